package faulttest

import (
	"testing"
	"time"
)

// TestFailoverThatLosesWrites: the servers reach a primary through a
// proxy; a replica follows the primary through another proxy, which the
// test pauses. Messages written and acknowledged while the link is paused
// exist only on the primary; then the primary dies, the replica is
// promoted and the servers' proxy switched to it, and traffic goes on. No
// client drops a new message as one it has seen (the replica gives the
// lost offsets again), and at the end every client's view is exactly the
// replica's stream.
func TestFailoverThatLosesWrites(t *testing.T) {
	primary := StartRedis(t, RedisOptions{})
	replica := StartRedis(t, RedisOptions{})
	link := NewProxy(t, primary.Addr())
	replica.ReplicaOf(link.Addr())
	replica.WaitSynced(10 * time.Second)
	front := NewProxy(t, primary.Addr())
	cfg := serverConfig(t, front.URL())
	servers := startServers(t, cfg, cfg)
	f := NewFleet(t, FleetConfig{URLs: urls(servers), Clients: 4, Senders: 2, Interval: 30 * time.Millisecond, Reconnect: true})
	key := GeneralLog(cfg)

	// Replicated writes.
	f.StartSending()
	mustAcked(t, f, 20, 20*time.Second, "replicated phase")
	settle(t, f, primary, key)
	primary.WaitReplicas(1, 5*time.Second)
	epochBefore := map[*Client]string{}
	for _, c := range f.Clients() {
		epochBefore[c] = last(c.Epochs())
	}

	// Writes the replica never gets.
	link.Pause()
	f.StartSending()
	mustAcked(t, f, f.Acked()+15, 20*time.Second, "unreplicated phase")
	onPrimary := settle(t, f, primary, key)

	// Failover.
	primary.Kill()
	replica.Promote()
	front.Switch(replica.Addr())
	switched := time.Now()
	kept := StreamTop(ReadStream(t, replica.Admin(), key))
	lost := StreamTop(onPrimary) - kept
	t.Logf("failover: the primary had offsets up to %d, the promoted replica up to %d: %d acknowledged messages lost", StreamTop(onPrimary), kept, lost)
	if lost <= 0 {
		t.Fatal("the replica has every write: the test did not pause replication")
	}

	acked := f.Acked()
	f.StartSending()
	first := mustAcked(t, f, acked+1, 20*time.Second, "after the failover")
	t.Logf("first message acknowledged %s after the switch", first.Sub(switched).Round(time.Millisecond))
	reset := func() bool {
		for _, c := range f.Clients() {
			if c.Stats().Resets == 0 || !c.Live() {
				return false
			}
		}
		return true
	}
	if f.WaitUntil(15*time.Second, reset) {
		t.Logf("every client rejoined, reset to the replica's stream, %s after the switch", time.Since(switched).Round(time.Millisecond))
	}
	// Past the primary's top, so that every lost offset is given again.
	mustAcked(t, f, acked+int(lost)+20, 30*time.Second, "after the failover")
	stream := settle(t, f, replica, key)

	f.CheckStream(t, stream)
	f.CheckCounters(t)
	st := f.Stats()
	t.Logf("after the failover: replica stream 1..%d (%d entries), acknowledged %d in all; %s", StreamTop(stream), len(stream), st.Acked, st.Summary())
	for _, c := range f.Clients() {
		if now := last(c.Epochs()); now == "" || now == epochBefore[c] {
			t.Errorf("%s: channel epoch %q before and %q after a failover that lost offsets %d..%d: want a new one",
				c.Name, epochBefore[c], now, kept+1, StreamTop(onPrimary))
		}
		if c.Stats().Resets == 0 {
			t.Errorf("%s was ahead of the promoted replica's stream and was never reset (rejoin answered recovered:false)", c.Name)
		}
	}
}
