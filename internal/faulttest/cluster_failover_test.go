package faulttest

import (
	"context"
	"testing"
	"time"
)

// Failovers of the primary that holds General's slot and the private
// channel's, while members of both channels on two instances send: the
// promoted replica takes the slots, and the chat goes on.

// servedAgain bounds how long a channel may go without an acknowledged
// send through a failover: the cluster's node timeout (2 s) and election,
// the instances' slot map reload (1 s) and a noisy machine's delays.
const servedAgain = 15 * time.Second

// TestClusterFailoverKilledPrimary: the primary is killed (SIGKILL) and
// its replica promoted once the others time it out. Sends during the
// outage get 503, never a hang or another code; sends succeed again within
// servedAgain; every acknowledged message reaches every member once, in
// offset order, unless the replica lacked it, and then only the last
// writes before the kill, with a new epoch that every member rejoined
// with.
func TestClusterFailoverKilledPrimary(t *testing.T) {
	c := StartCluster(t, ClusterOptions{Primaries: 3, Replicas: 1})
	ch := startClusterChat(t, c)
	primary := c.SlotOwner(ch.general.slot)
	replica := c.ReplicasOf(primary)[0]
	ch.sendSteadily(t, 40)

	killed := time.Now()
	c.Kill(primary)
	c.WaitHealthy(30 * time.Second)
	promoted := time.Now()
	if got := c.SlotOwner(ch.general.slot); got != replica {
		t.Fatalf("after killing %s, slot %d is on %s, not its replica %s\n%s", primary, ch.general.slot, got, replica, c.Describe())
	}
	t.Logf("killed %s; its replica %s serves its slots %s later", primary, replica, ms(promoted.Sub(killed)))
	ch.waitAcked(t, promoted, 40, 30*time.Second, "after the failover")
	ch.settle(t)

	vs := ch.report(t, "kill", killed, true)
	assertServed(t, vs, servedAgain, false)
	for _, v := range vs {
		if v.Quiet < time.Second {
			t.Errorf("%s: at most %s without an acknowledgement: the kill of its primary did not reach the channel", v.Channel, ms(v.Quiet))
		}
	}
}

// TestClusterFailoverManual: CLUSTER FAILOVER on the replica, a planned
// failover (the primary stops taking writes until the replica has them
// all). Nothing is lost, the epoch stays, no member is asked to rejoin or
// reconnects; sends may get 503 for a moment and succeed again within
// servedAgain.
func TestClusterFailoverManual(t *testing.T) {
	c := StartCluster(t, ClusterOptions{Primaries: 3, Replicas: 1})
	ch := startClusterChat(t, c)
	primary := c.SlotOwner(ch.general.slot)
	replica := c.ReplicasOf(primary)[0]
	ch.sendSteadily(t, 40)

	began := time.Now()
	c.Failover(replica)
	done := time.Now()
	t.Logf("CLUSTER FAILOVER on %s: it serves the slots of %s, its replica now, synced %s later", replica, primary, ms(done.Sub(began)))
	ch.waitAcked(t, done, 40, 30*time.Second, "after the failover")
	ch.settle(t)

	vs := ch.report(t, "manual-failover", began, false)
	assertServed(t, vs, servedAgain, true)
}

// TestClusterFailoverLosesWrites: the replica is frozen (SIGSTOP) and its
// link to the primary cut (CLIENT KILL TYPE replica), so that the messages
// acknowledged from then on exist only on the primary; then the primary is
// killed and the replica, let go on (SIGCONT), promoted without them. The
// lost messages are the last ones acknowledged before the kill, and the
// loss is signalled: each channel gets a new epoch, every member rejoins
// with it and ends with exactly the promoted replica's stream; nothing
// acknowledged after the failover is lost; sends succeed again within
// servedAgain.
func TestClusterFailoverLosesWrites(t *testing.T) {
	c := StartCluster(t, ClusterOptions{Primaries: 3, Replicas: 1})
	ch := startClusterChat(t, c)
	primary := c.SlotOwner(ch.general.slot)
	replica := c.ReplicasOf(primary)[0]
	ch.sendSteadily(t, 40)

	c.Freeze(replica)
	frozen := true
	t.Cleanup(func() {
		if frozen {
			c.Thaw(replica)
		}
	})
	if n, err := c.Admin(primary).ClientKillByFilter(context.Background(), "TYPE", "replica").Result(); err != nil || n != 1 {
		t.Fatalf("CLIENT KILL TYPE replica on %s: %d killed, %v", primary, n, err)
	}
	cut := time.Now()
	ch.waitAcked(t, cut, 20, 20*time.Second, "after the replica's link was cut")

	killed := time.Now()
	c.Kill(primary)
	c.Thaw(replica)
	frozen = false
	c.WaitHealthy(30 * time.Second)
	promoted := time.Now()
	if got := c.SlotOwner(ch.general.slot); got != replica {
		t.Fatalf("after killing %s, slot %d is on %s, not its replica %s\n%s", primary, ch.general.slot, got, replica, c.Describe())
	}
	t.Logf("replication to %s cut %s before %s was killed; the replica serves its slots %s after the kill",
		replica, ms(killed.Sub(cut)), primary, ms(promoted.Sub(killed)))
	ch.waitAcked(t, promoted, 40, 30*time.Second, "after the failover")
	ch.settle(t)

	vs := ch.report(t, "lost-writes", killed, true)
	assertServed(t, vs, servedAgain, false)
	for _, v := range vs {
		if v.Lost == 0 {
			t.Errorf("%s: no acknowledged message lost: the promoted replica had them all, the test did not cut replication", v.Channel)
		}
	}
}
