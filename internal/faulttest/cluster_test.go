package faulttest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestClusterHarness checks the cluster harness: three primaries with a
// replica each, a cluster client that reaches every slot, and data that
// survives MoveSlot, redis-cli reshard, a manual failover and a killed
// primary, whose replica takes over; the primary started again rejoins as
// a replica.
func TestClusterHarness(t *testing.T) {
	ctx := context.Background()
	c := StartCluster(t, ClusterOptions{Primaries: 3, Replicas: 1})
	primaries, replicas := c.Primaries(), c.Replicas()
	if len(primaries) != 3 || len(replicas) != 3 {
		t.Fatalf("primaries %v, replicas %v; want 3 and 3\n%s", primaries, replicas, c.Describe())
	}
	for _, p := range primaries {
		if r := c.ReplicasOf(p); len(r) != 1 {
			t.Fatalf("replicas of %s: %v, want one\n%s", p, r, c.Describe())
		}
	}

	cc := c.NewClient(nil)
	// Keys on every primary: one key per hash tag, tags until each
	// primary holds some.
	keys := map[string]string{} // key -> owner
	for i := 0; len(ownersOf(keys)) < 3 && i < 100; i++ {
		k := fmt.Sprintf("{k%d}:v", i)
		keys[k] = c.SlotOwner(c.KeySlot(k))
	}
	if len(ownersOf(keys)) < 3 {
		t.Fatalf("100 hash tags on fewer than 3 primaries: %v", keys)
	}
	for k := range keys {
		if err := cc.Set(ctx, k, k, 0).Err(); err != nil {
			t.Fatalf("SET %s through the cluster client: %v", k, err)
		}
	}
	// check reads every key back. The client learns a new topology from a
	// MOVED, or from a reload, which it does in the background: it may
	// fail for a moment.
	check := func(when string) {
		t.Helper()
		err := Poll(10*time.Second, func() error {
			for k := range keys {
				if v, err := cc.Get(ctx, k).Result(); err != nil || v != k {
					return fmt.Errorf("GET %s = %q, %v", k, v, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v\n%s", when, err, c.Describe())
		}
	}
	check("after start")

	// One slot with a key in it to another primary.
	var key, from string
	for k, o := range keys {
		key, from = k, o
		break
	}
	to := primaries[(slices.Index(primaries, from)+1)%3]
	slot := c.KeySlot(key)
	c.MoveSlot(slot, to)
	if got := c.SlotOwner(slot); got != to {
		t.Fatalf("after MoveSlot(%d, %s) the slot is on %s", slot, to, got)
	}
	if v, err := c.Admin(to).Get(ctx, key).Result(); err != nil || v != key {
		t.Fatalf("%s on its new primary %s: %q, %v", key, to, v, err)
	}
	check("after MoveSlot")

	out := c.Reshard(primaries[0], primaries[1], 20)
	if len(out) == 0 {
		t.Fatal("redis-cli --cluster reshard said nothing")
	}
	check("after Reshard")

	// A manual failover: the replica becomes the primary, the primary its
	// replica.
	p0 := primaries[0]
	r0 := c.ReplicasOf(p0)[0]
	c.Failover(r0)
	if got := c.ReplicasOf(r0); !slices.Equal(got, []string{p0}) {
		t.Fatalf("after Failover(%s): its replicas %v, want [%s]\n%s", r0, got, p0, c.Describe())
	}
	check("after Failover")

	// A primary killed: its replica takes over, with the data it had.
	p1 := primaries[1]
	r1 := c.ReplicasOf(p1)[0]
	waitCaughtUp(t, c, p1, r1)
	killed := time.Now()
	c.Kill(p1)
	c.WaitHealthy(30 * time.Second)
	t.Logf("replica %s took over from killed %s in %s", r1, p1, time.Since(killed).Round(time.Millisecond))
	// go-redis v9.23's ClusterClient reloads its slots on a MOVED, never
	// on a refused connection: without this it goes on dialling the dead
	// primary until its periodic reload (ClusterStateReloadInterval, 60 s).
	cc.ReloadState(ctx)
	if !slices.Contains(c.Primaries(), r1) {
		t.Fatalf("after Kill(%s), %s is no primary\n%s", p1, r1, c.Describe())
	}
	check("after Kill")
}

// waitCaughtUp waits until the replica at r has every write its primary p
// has taken so far (its replication offset reaches the primary's).
func waitCaughtUp(t *testing.T, c *Cluster, p, r string) {
	t.Helper()
	want := replOffset(t, c.Admin(p), "master_repl_offset")
	err := Poll(10*time.Second, func() error {
		if got := replOffset(t, c.Admin(r), "slave_repl_offset"); got < want {
			return fmt.Errorf("replica %s at offset %d, primary %s at %d", r, got, p, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func replOffset(t *testing.T, rdb *redis.Client, field string) int64 {
	t.Helper()
	info, err := rdb.Info(context.Background(), "replication").Result()
	if err != nil {
		t.Fatalf("INFO replication: %v", err)
	}
	for line := range strings.SplitSeq(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	t.Fatalf("no %s in INFO replication:\n%s", field, info)
	return 0
}

func ownersOf(keys map[string]string) map[string]bool {
	out := map[string]bool{}
	for _, o := range keys {
		out[o] = true
	}
	return out
}
