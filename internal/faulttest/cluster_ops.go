package faulttest

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// What the fault tests do to a Cluster. Each call returns once the change
// is done and, except Kill, once every running node agrees on it.

// clusterWait bounds how long a change may take to settle.
const clusterWait = 30 * time.Second

// Kill kills the node at addr (SIGKILL), as a crash would, and waits for
// the process to exit. It does not wait for the cluster to notice: after
// killing a primary, WaitHealthy returns once a replica serves its slots
// (about NodeTimeout and an election later).
func (c *Cluster) Kill(addr string) {
	c.t.Helper()
	if err := c.node(addr).kill(10 * time.Second); err != nil {
		c.t.Fatal(err)
	}
}

// Freeze stops the node at addr (SIGSTOP) without killing it: its sockets
// stay open, it reads and answers nothing, until Thaw.
func (c *Cluster) Freeze(addr string) {
	c.t.Helper()
	if err := c.node(addr).signal(syscall.SIGSTOP); err != nil {
		c.t.Fatal(err)
	}
}

// Thaw lets the node at addr go on after Freeze (SIGCONT).
func (c *Cluster) Thaw(addr string) {
	c.t.Helper()
	if err := c.node(addr).signal(syscall.SIGCONT); err != nil {
		c.t.Fatal(err)
	}
}

// Failover runs CLUSTER FAILOVER on the replica at replicaAddr (a manual
// failover: its primary stops taking writes until the replica has them
// all, then the replica takes its slots) and waits until every running
// node sees the replica as the primary of those slots, and the former
// primary, now its replica, has synced.
func (c *Cluster) Failover(replicaAddr string) {
	c.t.Helper()
	var slots [][2]int
	for _, n := range c.Nodes() {
		if n.Addr == replicaAddr && n.Primary {
			c.t.Fatalf("Failover: %s is a primary", replicaAddr)
		}
		if n.Addr == replicaAddr {
			for _, p := range c.Nodes() {
				if p.Addr == n.PrimaryAddr {
					slots = p.Slots
				}
			}
		}
	}
	if len(slots) == 0 {
		c.t.Fatalf("Failover: %s is no replica of a primary with slots", replicaAddr)
	}
	if err := c.Admin(replicaAddr).ClusterFailover(context.Background()).Err(); err != nil {
		c.t.Fatalf("CLUSTER FAILOVER on %s: %v", replicaAddr, err)
	}
	c.waitOwner(slots[0][0], replicaAddr)
	c.WaitSynced(clusterWait)
}

// MoveSlot moves one slot, keys and all, to the primary at toAddr, the way
// redis-cli --cluster reshard moves each slot: IMPORTING on the target,
// MIGRATING on the source, MIGRATE of its keys in batches (clients meanwhile
// get ASK for keys already moved), then SETSLOT NODE on the target, the
// source and the other primaries. It waits until every running node
// agrees that toAddr serves the slot.
func (c *Cluster) MoveSlot(slot int, toAddr string) {
	c.t.Helper()
	from := c.SlotOwner(slot)
	if from == toAddr {
		return
	}
	ctx := context.Background()
	fromID, toID := c.ID(from), c.ID(toAddr)
	src, dst := c.Admin(from), c.Admin(toAddr)
	if err := dst.Do(ctx, "CLUSTER", "SETSLOT", slot, "IMPORTING", fromID).Err(); err != nil {
		c.t.Fatalf("MoveSlot %d: IMPORTING on %s: %v", slot, toAddr, err)
	}
	if err := src.Do(ctx, "CLUSTER", "SETSLOT", slot, "MIGRATING", toID).Err(); err != nil {
		c.t.Fatalf("MoveSlot %d: MIGRATING on %s: %v", slot, from, err)
	}
	host, port, _ := net.SplitHostPort(toAddr)
	for {
		keys, err := src.ClusterGetKeysInSlot(ctx, slot, 100).Result()
		if err != nil {
			c.t.Fatalf("MoveSlot %d: GETKEYSINSLOT on %s: %v", slot, from, err)
		}
		if len(keys) == 0 {
			break
		}
		args := []any{"MIGRATE", host, port, "", 0, 5000, "KEYS"}
		for _, k := range keys {
			args = append(args, k)
		}
		if err := src.Do(ctx, args...).Err(); err != nil {
			c.t.Fatalf("MoveSlot %d: MIGRATE %d keys from %s: %v", slot, len(keys), from, err)
		}
	}
	// The target first: it bumps its epoch and claims the slot, so that no
	// node can take the source's older claim for the newer.
	targets := []string{toAddr, from}
	for _, p := range c.Primaries() {
		if p != toAddr && p != from {
			targets = append(targets, p)
		}
	}
	for _, addr := range targets {
		if err := c.Admin(addr).Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", toID).Err(); err != nil {
			c.t.Fatalf("MoveSlot %d: SETSLOT NODE on %s: %v", slot, addr, err)
		}
	}
	c.waitOwner(slot, toAddr)
}

// Reshard moves n slots from the primary at fromAddr to the one at toAddr
// with redis-cli --cluster reshard, and waits until every running node
// agrees. It returns redis-cli's output.
func (c *Cluster) Reshard(fromAddr, toAddr string, n int) string {
	c.t.Helper()
	out := c.runCLI(5*time.Minute, "--cluster", "reshard", toAddr,
		"--cluster-from", c.ID(fromAddr), "--cluster-to", c.ID(toAddr),
		"--cluster-slots", strconv.Itoa(n), "--cluster-yes")
	c.WaitHealthy(clusterWait)
	return out
}

// waitOwner waits until the cluster is healthy and every running node sees
// slot served by addr.
func (c *Cluster) waitOwner(slot int, addr string) {
	c.t.Helper()
	err := Poll(clusterWait, func() error {
		if err := c.healthy(); err != nil {
			return err
		}
		for _, nd := range c.nodes {
			if !nd.running() {
				continue
			}
			view, err := c.view(nd)
			if err != nil {
				return err
			}
			if owner := ownerIn(view, slot); owner != addr {
				return fmt.Errorf("%s sees slot %d on %s, not %s", nd.Addr(), slot, owner, addr)
			}
		}
		return nil
	})
	if err != nil {
		c.t.Fatalf("slot %d to %s: %v\n%s", slot, addr, err, c.Logs())
	}
}

func ownerIn(view []ClusterNode, slot int) string {
	for _, n := range view {
		for _, r := range n.Slots {
			if slot >= r[0] && slot <= r[1] {
				return n.Addr
			}
		}
	}
	return ""
}

// Describe lists the cluster's nodes, roles and slots, for logs.
func (c *Cluster) Describe() string {
	var b strings.Builder
	for _, n := range c.Nodes() {
		role := "primary"
		if !n.Primary {
			role = "replica of " + n.PrimaryAddr
		}
		fmt.Fprintf(&b, "%s %s %v running=%v failed=%v\n", n.Addr, role, n.Slots, n.Running, n.Failed)
	}
	return b.String()
}
