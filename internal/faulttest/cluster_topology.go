package faulttest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ClusterNode is one node of a Cluster as a node's CLUSTER NODES sees it.
type ClusterNode struct {
	Addr    string
	ID      string
	Primary bool
	// PrimaryAddr is the address of a replica's primary ("" for a primary).
	PrimaryAddr string
	// Slots are the slot ranges a primary serves, each [first, last].
	Slots [][2]int
	// Failed: the viewing node flags it fail or fail? (unreachable).
	Failed bool
	// Running: the harness has its process running.
	Running bool
}

// Nodes returns every node with its role, as the first running node sees
// them (after a change, WaitHealthy makes every node see the same).
func (c *Cluster) Nodes() []ClusterNode {
	c.t.Helper()
	for _, nd := range c.nodes {
		if !nd.running() {
			continue
		}
		view, err := c.view(nd)
		if err != nil {
			c.t.Fatalf("CLUSTER NODES on %s: %v", nd.Addr(), err)
		}
		return view
	}
	c.t.Fatal("no cluster node is running")
	return nil
}

// Primaries returns the addresses of the primaries, in creation order.
func (c *Cluster) Primaries() []string { return c.withRole(true) }

// Replicas returns the addresses of the replicas, in creation order.
func (c *Cluster) Replicas() []string { return c.withRole(false) }

// ReplicasOf returns the addresses of the replicas of the primary at addr.
func (c *Cluster) ReplicasOf(addr string) []string {
	var out []string
	for _, n := range c.Nodes() {
		if n.PrimaryAddr == addr {
			out = append(out, n.Addr)
		}
	}
	return out
}

func (c *Cluster) withRole(primary bool) []string {
	var out []string
	for _, n := range c.Nodes() {
		if n.Primary == primary {
			out = append(out, n.Addr)
		}
	}
	return out
}

// SlotOwner returns the address of the primary serving slot.
func (c *Cluster) SlotOwner(slot int) string {
	c.t.Helper()
	owner := ownerIn(c.Nodes(), slot)
	if owner == "" {
		c.t.Fatalf("no node serves slot %d", slot)
	}
	return owner
}

// KeySlot returns the hash slot of key (CLUSTER KEYSLOT, which honours
// hash tags).
func (c *Cluster) KeySlot(key string) int {
	c.t.Helper()
	for _, nd := range c.nodes {
		if !nd.running() {
			continue
		}
		n, err := nd.admin.ClusterKeySlot(context.Background(), key).Result()
		if err != nil {
			c.t.Fatalf("CLUSTER KEYSLOT %q: %v", key, err)
		}
		return int(n)
	}
	c.t.Fatal("no cluster node is running")
	return 0
}

// WaitHealthy waits until every running node says cluster_state:ok with
// all slots ok, sees every slot served by a running primary that it does
// not flag failed, and agrees with the others on who serves each slot.
// After Kill of a primary it returns once a replica has taken its slots
// in every node's view; after Failover or MoveSlot, once every node knows.
func (c *Cluster) WaitHealthy(d time.Duration) {
	c.t.Helper()
	if err := Poll(d, c.healthy); err != nil {
		c.t.Fatalf("cluster not healthy: %v\n%s", err, c.Logs())
	}
}

func (c *Cluster) healthy() error {
	running := map[string]bool{}
	for _, nd := range c.nodes {
		running[nd.Addr()] = nd.running()
	}
	var first []string // slot -> owner, as the first running node sees it
	for _, nd := range c.nodes {
		if !running[nd.Addr()] {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		info, err := nd.admin.ClusterInfo(ctx).Result()
		cancel()
		if err != nil {
			return fmt.Errorf("CLUSTER INFO on %s: %w", nd.Addr(), err)
		}
		for _, want := range []string{"cluster_state:ok", "cluster_slots_assigned:16384", "cluster_slots_ok:16384"} {
			if !strings.Contains(info, want+"\r\n") {
				return fmt.Errorf("%s: no %s in CLUSTER INFO:\n%s", nd.Addr(), want, info)
			}
		}
		view, err := c.view(nd)
		if err != nil {
			return err
		}
		owners := make([]string, clusterSlots)
		for _, n := range view {
			for _, r := range n.Slots {
				if !running[n.Addr] || n.Failed {
					return fmt.Errorf("%s sees slots %d-%d on %s, which is down", nd.Addr(), r[0], r[1], n.Addr)
				}
				for s := r[0]; s <= r[1]; s++ {
					owners[s] = n.Addr
				}
			}
		}
		if first == nil {
			first = owners
		} else if !slices.Equal(owners, first) {
			i := firstDiff(owners, first)
			return fmt.Errorf("%s sees slot %d on %s, another node on %s", nd.Addr(), i, owners[i], first[i])
		}
	}
	if first == nil {
		return errStop{errors.New("no cluster node is running")}
	}
	return nil
}

func firstDiff(a, b []string) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return 0
}

// WaitSynced waits until every running replica's link to its
// primary is up and its sync done. INFO is polled: Redis announces
// neither.
func (c *Cluster) WaitSynced(d time.Duration) {
	c.t.Helper()
	err := Poll(d, func() error {
		for _, n := range c.Nodes() {
			if n.Primary || !n.Running {
				continue
			}
			info, err := c.Admin(n.Addr).Info(context.Background(), "replication").Result()
			if err != nil {
				return err
			}
			if !strings.Contains(info, "master_link_status:up") || !strings.Contains(info, "master_sync_in_progress:0") {
				return fmt.Errorf("replica %s not in sync:\n%s", n.Addr, info)
			}
		}
		return nil
	})
	if err != nil {
		c.t.Fatalf("cluster replicas: %v\n%s", err, c.Logs())
	}
}

// view parses CLUSTER NODES of nd. A line is
// "<id> <ip:port@cport[,hostname]> <flags> <primary id|-> <ping> <pong>
// <epoch> <link> <slot or range>...": slots in brackets (being
// migrated or imported) are left out.
func (c *Cluster) view(nd *Redis) ([]ClusterNode, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	text, err := nd.admin.ClusterNodes(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("CLUSTER NODES on %s: %w", nd.Addr(), err)
	}
	byID := map[string]string{}
	var out []ClusterNode
	var primaryIDs []string
	for line := range strings.SplitSeq(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			return nil, fmt.Errorf("CLUSTER NODES on %s: bad line %q", nd.Addr(), line)
		}
		addr, _, _ := strings.Cut(f[1], "@")
		flags := strings.Split(f[2], ",")
		n := ClusterNode{
			Addr: addr, ID: f[0], Primary: slices.Contains(flags, "master"),
			Failed: slices.Contains(flags, "fail") || slices.Contains(flags, "fail?"),
		}
		for _, s := range f[8:] {
			if strings.HasPrefix(s, "[") {
				continue
			}
			lo, hi, isRange := strings.Cut(s, "-")
			if !isRange {
				hi = lo
			}
			a, err1 := strconv.Atoi(lo)
			b, err2 := strconv.Atoi(hi)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("CLUSTER NODES on %s: bad slots %q", nd.Addr(), s)
			}
			n.Slots = append(n.Slots, [2]int{a, b})
		}
		byID[n.ID] = n.Addr
		primaryIDs = append(primaryIDs, f[3])
		out = append(out, n)
	}
	running := map[string]bool{}
	for _, x := range c.nodes {
		running[x.Addr()] = x.running()
	}
	for i := range out {
		if !out[i].Primary {
			out[i].PrimaryAddr = byID[primaryIDs[i]]
		}
		out[i].Running = running[out[i].Addr]
	}
	order := map[string]int{}
	for i, x := range c.nodes {
		order[x.Addr()] = i
	}
	slices.SortFunc(out, func(a, b ClusterNode) int { return order[a.Addr] - order[b.Addr] })
	return out, nil
}

// CommandCalls returns how many times the node at addr has run command
// (INFO commandstats, "cmdstat_<command>:calls=N,..."), to tell which node
// a client sent a command to.
func (c *Cluster) CommandCalls(addr, command string) int64 {
	c.t.Helper()
	info, err := c.Admin(addr).Info(context.Background(), "commandstats").Result()
	if err != nil {
		c.t.Fatalf("INFO commandstats on %s: %v", addr, err)
	}
	prefix := "cmdstat_" + strings.ToLower(command) + ":calls="
	for line := range strings.SplitSeq(info, "\r\n") {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			n, _ := strconv.ParseInt(strings.Split(rest, ",")[0], 10, 64)
			return n
		}
	}
	return 0
}
