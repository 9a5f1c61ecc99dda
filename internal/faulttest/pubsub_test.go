package faulttest

import (
	"testing"
	"time"
)

// TestPubSubKilledUnderTraffic: the pub/sub connections of both instances
// are killed (CLIENT KILL TYPE pubsub) ten times while clients send; then
// again, with a new client joining General on one instance while that
// instance's pub/sub connection is down (issue 7, defect 1: the older
// members there must still get every message). Members get every message
// without reconnecting.
func TestPubSubKilledUnderTraffic(t *testing.T) {
	t.Run("kill", testPubSubKill)
	t.Run("joinDuringGap", testJoinDuringPubSubGap)
}

func testPubSubKill(t *testing.T) {
	const kills = 10
	rd := StartRedis(t, RedisOptions{})
	cfg := serverConfig(t, rd.URL())
	servers := startServers(t, cfg, cfg)
	topic := generalTopic(cfg)
	f := NewFleet(t, FleetConfig{URLs: urls(servers), Clients: 6, Senders: 4, Interval: 30 * time.Millisecond, Reconnect: true})
	f.StartSending()
	mustAcked(t, f, 10, 20*time.Second, "before the kills")
	var slowest time.Duration
	for range kills {
		waitSubscribers(t, rd, topic, 2, 10*time.Second)
		start := time.Now()
		if n := killPubSub(t, rd); n < 2 {
			t.Fatalf("CLIENT KILL TYPE pubsub killed %d connections, want the 2 instances' at least", n)
		}
		waitSubscribers(t, rd, topic, 2, 10*time.Second)
		slowest = max(slowest, time.Since(start))
		mustAcked(t, f, f.Acked()+5, 10*time.Second, "between kills")
	}
	stream := settle(t, f, rd, GeneralLog(cfg))
	t.Logf("%d kills of both instances' pub/sub connections; slowest resubscribe %s", kills, slowest.Round(time.Millisecond))
	f.Check(t)
	f.CheckStream(t, stream)
	if st := f.Stats(); st.Reconnects > 0 {
		t.Errorf("%d client reconnects (close codes %s): a pub/sub reconnect must not cost clients their connection", st.Reconnects, codes(st.CloseCodes))
	}
}

// testJoinDuringPubSubGap puts instance A's Redis connections behind a
// proxy that holds A's pub/sub connection as it subscribes again after
// each kill, so that A's gap lasts until the test lets it end. Inside each
// gap, messages are stored (instance B's senders are acknowledged), a new
// client on A joins General, more messages are stored; then the gap ends.
func testJoinDuringPubSubGap(t *testing.T) {
	const rounds = 5
	rd := StartRedis(t, RedisOptions{})
	front := NewProxy(t, rd.Addr())
	cfgA := serverConfig(t, front.URL())
	cfgB := cfgA
	cfgB.RedisURL = rd.URL()
	servers := startServers(t, cfgA, cfgB)
	a := servers[0]
	topic := generalTopic(cfgA)
	f := NewFleet(t, FleetConfig{URLs: urls(servers), Clients: 4, Senders: 4, Interval: 30 * time.Millisecond, Reconnect: true})
	f.StartSending()
	mustAcked(t, f, 10, 20*time.Second, "before the gaps")
	var longest time.Duration
	heldJoins := 0
	for range rounds {
		joiner := f.Add(a.URL(), false) // signed in before the gap: sign-in subscribes
		waitSubscribers(t, rd, topic, 2, 10*time.Second)
		held := front.HoldOn("subscribe")
		start := time.Now()
		killPubSub(t, rd)
		select {
		case <-held:
		case <-time.After(10 * time.Second):
			t.Fatal("instance A did not subscribe again within 10 s of the kill")
		}
		mustAcked(t, f, f.Acked()+3, 10*time.Second, "inside the gap, before the join")
		joined := joiner.JoinAsync()
		select {
		case err := <-joined:
			if err != nil {
				t.Fatalf("join during the gap: %v", err)
			}
			joined = nil
		case <-time.After(2 * time.Second):
			heldJoins++ // the server holds joins while its pub/sub connection is down: allowed
		}
		mustAcked(t, f, f.Acked()+3, 10*time.Second, "inside the gap, after the join")
		front.Resume()
		longest = max(longest, time.Since(start))
		if joined != nil {
			select {
			case err := <-joined:
				if err != nil {
					t.Fatalf("join held during the gap: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("a join held during the gap got no reply within 20 s of the gap's end")
			}
		}
		waitSubscribers(t, rd, topic, 2, 10*time.Second)
	}
	stream := settle(t, f, rd, GeneralLog(cfgA))
	t.Logf("%d gaps of instance A's pub/sub connection, longest %s, each with a join on A (%d of them answered only after the gap)",
		rounds, longest.Round(time.Millisecond), heldJoins)
	f.Check(t)
	f.CheckStream(t, stream)
	if st := f.Stats(); st.Reconnects > 0 {
		t.Errorf("%d client reconnects (close codes %s): a pub/sub gap within the recovery limit must not cost clients their connection", st.Reconnects, codes(st.CloseCodes))
	}
}
