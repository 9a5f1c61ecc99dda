package main

import (
	"testing"
)

func TestScanMessage(t *testing.T) {
	run := []byte("a1b2c3d4")
	id := appendClientID(nil, run, 17, 42, 123456789)
	// As the server sends it: the type first, the Offset first, the ClientID last.
	frame := []byte(`{"type":"channelMessage","channelMessage":{"Offset":907,"UUID":"u","SenderUUID":"s",` +
		`"Sender":{"UUID":"s","Username":"Offset\":1 \"ClientID\":\"x","OnLine":true},"RecipientUUID":"",` +
		`"Message":"xx","CreatedAt":"2026-01-01T00:00:00Z","ClientID":"` + string(id) + `"}}`)
	if typ := string(frameType(frame)); typ != "channelMessage" {
		t.Errorf("type %q", typ)
	}
	if off, ok := firstInt(frame, offsetKey); !ok || off != 907 {
		t.Errorf("offset %d %v, want 907", off, ok)
	}
	sender, sent, ok := parseClientID(messageClientID(frame), run)
	if !ok || sender != 17 || sent != 123456789 {
		t.Errorf("clientID %q: sender %d sent %d ok %v", messageClientID(frame), sender, sent, ok)
	}
	for _, bad := range []string{"", "a1b2c3d4", "a1b2c3d4.1.2", "a1b2c3d4.1.2.", "a1b2c3d4.1.2.3x", "other.1.2.3", "a1b2c3d4x.1.2.3"} {
		if _, _, ok := parseClientID([]byte(bad), run); ok {
			t.Errorf("parseClientID(%q) accepted", bad)
		}
	}
}

func TestFrameTypeAndJoinOffset(t *testing.T) {
	for frame, want := range map[string]string{
		`{"type":"ready","ready":{}}`:                         "ready",
		`{"sys":{"type":"presence"},"type":"sys"}`:            "sys",
		`{"error":{"code":400},"type":"error"}`:               "error",
		`{"type":"error","error":{"code":429,"request":"x"}}`: "error",
	} {
		if got := string(frameType([]byte(frame))); got != want {
			t.Errorf("frameType(%s) = %q, want %q", frame, got, want)
		}
	}
	withOffset := `{"type":"channelJoin","channelJoin":{"recipientUUID":"","messages":[{"Offset":8},{"Offset":9}],"users":[],"epoch":"e","offset":12}}`
	history := `{"type":"channelJoin","channelJoin":{"recipientUUID":"","messages":[{"Offset":8},{"Offset":9}],"users":[]}}`
	empty := `{"type":"channelJoin","channelJoin":{"recipientUUID":"","messages":[],"users":[]}}`
	for frame, want := range map[string]int64{withOffset: 12, history: 9, empty: 0} {
		if got := joinOffset([]byte(frame)); got != want {
			t.Errorf("joinOffset(%s) = %d, want %d", frame, got, want)
		}
	}
	e := parseError([]byte(`{"type":"error","error":{"code":429,"error":"slow down","request":"channelMessage","clientID":"c"}}`))
	if e.Code != 429 || e.Request != "channelMessage" || e.ClientID != "c" || e.Text != "slow down" {
		t.Errorf("parseError: %+v", e)
	}
}

func TestOnMessageAllocatesNothing(t *testing.T) {
	l := &load{runID: []byte("a1b2c3d4"), stats: newStats()}
	c := &client{l: l, idx: 3, shard: l.stats.shardFor(3)}
	c.sender = newSender(c, 0, 1, 0, 0)
	frame := []byte(`{"type":"channelMessage","channelMessage":{"Offset":1,"Message":"xx","ClientID":"a1b2c3d4.3.0.1000"}}`)
	off := int64(0)
	// The offset's digit cycles: the offsets run on, then repeat.
	allocs := testing.AllocsPerRun(1000, func() {
		off++
		frame[len(`{"type":"channelMessage","channelMessage":{"Offset":`)] = byte('0' + off%10)
		c.onFrame(frame, 5000)
	})
	if allocs != 0 {
		t.Errorf("onFrame allocates %v times a message", allocs)
	}
	if c.sender.acked.Load() == 0 || c.shard.delivered.Load() == 0 {
		t.Errorf("message not counted: acked %d, delivered %d", c.sender.acked.Load(), c.shard.delivered.Load())
	}
}
