package faulttest

import (
	"context"
	"testing"
	"time"

	"github.com/redischat/chat/chatcore"
)

// TestRedisRestartWithoutData: Redis restarts without persistence, so the
// chat's users, sessions and messages are gone. Nothing crashes; every
// client learns that its session is gone (ready.dataEpoch changed,
// signIn {accessKey} answers 401) and that the channel's stream is new
// (channelJoin {since, epoch} answers recovered:false with another epoch);
// the chat goes on, with offsets from 1.
func TestRedisRestartWithoutData(t *testing.T) {
	rd := StartRedis(t, RedisOptions{})
	cfg := serverConfig(t, rd.URL())
	servers := startServers(t, cfg, cfg)
	f := NewFleet(t, FleetConfig{URLs: urls(servers), Clients: 4, Senders: 2, Interval: 30 * time.Millisecond, Reconnect: true})
	f.StartSending()
	mustAcked(t, f, 20, 20*time.Second, "before the restart")
	settle(t, f, rd, GeneralLog(cfg))
	f.Check(t)
	dataKey := chatcore.NewKeys(cfg.KeyPrefix).DataEpoch()
	dataBefore := rd.Admin().Get(context.Background(), dataKey).Val()
	epochBefore := map[*Client]string{}
	for _, c := range f.Clients() {
		epochBefore[c] = last(c.Epochs())
	}
	acksBefore := f.Acked()

	rd.Stop()
	rd.Start() // empty: no AOF, no RDB
	back := time.Now()

	// The server must tell every client (close 1012 and recovered:false on
	// the rejoin); one that is not told is dropped by the test, so that
	// the rest of the contract is still checked.
	told := func() bool {
		for _, c := range f.Clients() {
			if c.Stats().Resets == 0 || !c.Live() {
				return false
			}
		}
		return true
	}
	if !f.WaitUntil(15*time.Second, told) {
		for _, c := range f.Clients() {
			if st := c.Stats(); st.Resets == 0 {
				t.Errorf("%s was not told within 15 s that the channel's stream is new (reconnects %d, close codes %s)",
					c.Name, st.Reconnects, codes(st.CloseCodes))
				c.Drop()
			}
		}
		f.WaitUntil(10*time.Second, told)
	}
	t.Logf("every client rejoined %s after Redis came back empty; %s", time.Since(back).Round(time.Millisecond), f.Stats().Summary())
	dataAfter := rd.Admin().Get(context.Background(), dataKey).Val()
	if dataAfter == "" || dataAfter == dataBefore {
		t.Errorf("the chat's data epoch in Redis (%s) was %q before and is %q after Redis lost its data: want a new one", dataKey, dataBefore, dataAfter)
	}
	for _, c := range f.Clients() {
		st := c.Stats()
		if now := last(c.DataEpochs()); now != dataAfter {
			t.Errorf("%s: the ready frame after Redis lost the chat's data said dataEpoch %q; Redis has %q (%q before): the client cannot tell its account is gone (dataEpochs seen %q)",
				c.Name, now, dataAfter, dataBefore, c.DataEpochs())
		}
		if st.SessionsLost == 0 {
			t.Errorf("%s: signIn {accessKey} was not refused after Redis lost the session", c.Name)
		}
		if now := last(c.Epochs()); now == "" || now == epochBefore[c] {
			t.Errorf("%s: channel epoch %q before and %q after Redis lost the stream: want a new, non-empty one", c.Name, epochBefore[c], now)
		}
		if !c.Live() {
			t.Errorf("%s is not connected again: %v", c.Name, c.Notes())
		}
	}
	for i, s := range servers {
		if code := healthStatus(s.URL()); code != 200 {
			t.Errorf("instance %d: /health %d after Redis came back", i+1, code)
		}
	}
	for i, s := range servers {
		if d := last(f.Add(s.URL(), true).DataEpochs()); d != dataAfter {
			t.Errorf("a new client of instance %d sees dataEpoch %q; Redis has %q", i+1, d, dataAfter)
		}
	}

	// The chat goes on from offset 1.
	f.StartSending()
	mustAcked(t, f, acksBefore+20, 20*time.Second, "after the restart")
	stream := settle(t, f, rd, GeneralLog(cfg))
	if len(stream) == 0 || stream[0].Offset != 1 {
		t.Errorf("after Redis lost its data, the stream starts at %v, want offset 1", stream[:min(1, len(stream))])
	}
	f.CheckAcks(t, f.Acks()[acksBefore:])
	f.CheckStream(t, stream)
}

func last(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}
