package faulttest

import (
	"fmt"
	"testing"
	"time"

	"github.com/redischat/chat/internal/chattest"
)

// TestHalfOpenPubSubCaughtUpByCheck: an instance's pub/sub connection goes
// silent without closing (a half-open link nobody notices: its PING comes
// only every 15 s); the position check (POSITION_CHECK) finds its channel
// behind the stream and catches its clients up, in order, with no
// duplicate once the link works again.
func TestHalfOpenPubSubCaughtUpByCheck(t *testing.T) {
	r := StartRedis(t, RedisOptions{})
	p := NewProxy(t, r.Addr())
	cfgA := serverConfig(t, p.URL())
	cfgA.PositionCheck = 300 * time.Millisecond
	cfgB := cfgA
	cfgB.RedisURL = r.URL()
	apps := startServers(t, cfgA, cfgB)

	alice := chattest.Dial(t, apps[0].URL())
	alice.SignUp("alice")
	alice.Send("channelJoin", map[string]any{"recipientUUID": ""})
	alice.Expect("channelJoin", "sys")
	bob := chattest.Dial(t, apps[1].URL())
	bob.SignUp("bob")
	bob.Send("channelJoin", map[string]any{"recipientUUID": ""})
	bob.Expect("channelJoin", "sys")

	// The next SUBSCRIBE instance A sends (carol's topic) holds its pub/sub
	// connection: open, silent, both ways.
	held := p.HoldOn("subscribe")
	chattest.Dial(t, apps[0].URL()).SignUp("carol")
	select {
	case <-held:
	case <-time.After(chattest.Wait):
		t.Fatal("instance A's pub/sub connection was not held")
	}

	const n = 5
	start := time.Now()
	for i := range n {
		bob.Send("channelMessage", map[string]any{"recipientUUID": "", "message": fmt.Sprint("m", i)})
		bob.Expect("channelMessage", "sys")
	}
	for want := int64(1); want <= n; want++ {
		var m wireMessage
		alice.Expect("channelMessage", "sys").Payload(t, &m)
		if m.Offset != want {
			t.Fatalf("alice got offset %d, want %d", m.Offset, want)
		}
	}
	took := time.Since(start)
	t.Logf("%d messages reached a client behind a silent pub/sub link after %s (POSITION_CHECK %s)", n, took.Round(time.Millisecond), cfgA.PositionCheck)
	if took > 10*cfgA.PositionCheck {
		t.Fatalf("caught up after %s, want within a few POSITION_CHECK periods", took)
	}

	// The link works again: what it held arrives late and is dropped as
	// delivered; the next message is the next offset.
	p.Resume()
	bob.Send("channelMessage", map[string]any{"recipientUUID": "", "message": "after"})
	bob.Expect("channelMessage", "sys")
	var m wireMessage
	alice.Expect("channelMessage", "sys").Payload(t, &m)
	if m.Offset != n+1 {
		t.Fatalf("after the link came back alice got offset %d, want %d", m.Offset, n+1)
	}
}
