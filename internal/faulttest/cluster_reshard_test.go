package faulttest

import (
	"testing"
	"time"
)

// TestClusterReshardWhileSending: while members of General and of a
// private channel on two instances send, General's slot is moved to
// another primary (MoveSlot: IMPORTING, MIGRATING, MIGRATE, SETSLOT
// NODE), then the private channel's slot to the third, then redis-cli
// --cluster reshard moves General's slot back among a range of 20. Nothing
// is lost, duplicated or reordered, the epochs stay, no member reconnects;
// sends may get 503 while a slot is between nodes (TRYAGAIN) and succeed
// again within servedAgain.
func TestClusterReshardWhileSending(t *testing.T) {
	c := StartCluster(t, ClusterOptions{Primaries: 3, Replicas: 1})
	ch := startClusterChat(t, c)
	slot := ch.general.slot
	home := c.SlotOwner(slot)
	// General's slot goes to the primary whose slots all lie above it:
	// there it is the lowest, the first that redis-cli reshard takes.
	var to, third string
	for _, p := range c.Primaries() {
		switch {
		case p == home:
		case to == "" && lowestSlot(c, p) > slot:
			to = p
		default:
			third = p
		}
	}
	if to == "" {
		t.Fatalf("no primary with every slot above %d\n%s", slot, c.Describe())
	}
	ch.sendSteadily(t, 40)

	began := time.Now()
	c.MoveSlot(slot, to)
	t.Logf("MoveSlot: General's slot %d from %s to %s in %s", slot, home, to, ms(time.Since(began)))
	ch.waitAcked(t, time.Now(), 20, 30*time.Second, "after General's slot moved")

	at := time.Now()
	c.MoveSlot(ch.private.slot, third)
	t.Logf("MoveSlot: the private channel's slot %d from %s to %s in %s", ch.private.slot, home, third, ms(time.Since(at)))
	ch.waitAcked(t, time.Now(), 20, 30*time.Second, "after the private channel's slot moved")

	at = time.Now()
	c.Reshard(to, home, 20)
	t.Logf("redis-cli --cluster reshard: 20 slots from %s to %s in %s", to, home, ms(time.Since(at)))
	if got := c.SlotOwner(slot); got != home {
		t.Errorf("after redis-cli moved the 20 lowest slots of %s to %s, General's slot %d is on %s\n%s", to, home, slot, got, c.Describe())
	}
	ch.waitAcked(t, time.Now(), 40, 30*time.Second, "after the reshard")
	ch.settle(t)

	vs := ch.report(t, "reshard", began, false)
	assertServed(t, vs, servedAgain, true)
}

// lowestSlot returns the lowest slot the primary at addr serves.
func lowestSlot(c *Cluster, addr string) int {
	low := clusterSlots
	for _, n := range c.Nodes() {
		if n.Addr == addr {
			for _, r := range n.Slots {
				low = min(low, r[0])
			}
		}
	}
	return low
}
