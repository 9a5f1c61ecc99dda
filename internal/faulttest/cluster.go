package faulttest

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// ClusterOptions says what Redis Cluster to run.
type ClusterOptions struct {
	// Primaries is the number of primaries (default 3, the fewest that
	// redis-cli --cluster create accepts).
	Primaries int
	// Replicas is the number of replicas of each primary.
	Replicas int
	// NodeTimeout is cluster-node-timeout (default 2s): how long a node
	// must be unreachable before the others fail it over.
	NodeTimeout time.Duration
}

// Cluster is a Redis Cluster of one test: redis-server processes with
// --cluster-enabled on free ports of 127.0.0.1, joined by redis-cli
// --cluster create. Nodes can be killed, started again, failed over and
// have their slots moved; every process is killed when the test ends.
//
// Addresses name nodes: the address a node was started on stays its own
// whatever its role becomes.
type Cluster struct {
	t     testing.TB
	cli   string // redis-cli
	opts  ClusterOptions
	nodes []*Redis // in the order of redis-cli --cluster create

	idsMu sync.Mutex
	ids   map[string]string // addr -> node ID
}

// clusterSlots is the number of hash slots of Redis Cluster.
const clusterSlots = 16384

// StartCluster starts a cluster and waits until every node says
// cluster_state:ok, every slot is served, every node sees the same slot
// owners and every replica has synced. It skips the test when redis-server
// or redis-cli is not installed.
func StartCluster(t testing.TB, opts ClusterOptions) *Cluster {
	t.Helper()
	bin, cli := lookTool(t, "redis-server"), lookTool(t, "redis-cli")
	if opts.Primaries == 0 {
		opts.Primaries = 3
	}
	if opts.Primaries < 3 {
		t.Fatalf("StartCluster: %d primaries; Redis Cluster needs at least 3", opts.Primaries)
	}
	if opts.NodeTimeout <= 0 {
		opts.NodeTimeout = 2 * time.Second
	}
	began := time.Now()
	n := opts.Primaries * (1 + opts.Replicas)
	ports := freePorts(t, 2*n)
	dir := t.TempDir()
	c := &Cluster{t: t, cli: cli, opts: opts, ids: map[string]string{}}
	for i := range n {
		c.nodes = append(c.nodes, newClusterNode(t, bin, ports[2*i], ports[2*i+1],
			filepath.Join(dir, strconv.Itoa(ports[2*i])), opts.NodeTimeout))
	}
	t.Cleanup(c.cleanup)
	for _, nd := range c.nodes {
		if err := nd.start(); err != nil {
			t.Fatal(err)
		}
	}
	for _, nd := range c.nodes {
		if err := nd.waitPing(10 * time.Second); err != nil {
			t.Fatalf("redis-server on %s: %v\n%s", nd.Addr(), err, nd.Log())
		}
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", strconv.Itoa(opts.Replicas), "--cluster-yes")
	c.runCLI(time.Minute, args...)
	c.WaitHealthy(30 * time.Second)
	if err := Poll(30*time.Second, c.formed); err != nil {
		t.Fatalf("cluster not formed: %v\n%s", err, c.Logs())
	}
	c.WaitSynced(30 * time.Second)
	t.Logf("Redis Cluster of %d primaries and %d replicas each ready in %s", opts.Primaries, opts.Replicas,
		time.Since(began).Round(time.Millisecond))
	return c
}

// formed checks that every node sees every node, each primary with slots
// and each replica with its primary: redis-cli has sent CLUSTER REPLICATE,
// but gossip takes a moment to tell every node.
func (c *Cluster) formed() error {
	for _, nd := range c.nodes {
		view, err := c.view(nd)
		if err != nil {
			return err
		}
		primaries, replicas := 0, 0
		for _, n := range view {
			switch {
			case n.Primary && len(n.Slots) > 0:
				primaries++
			case !n.Primary && n.PrimaryAddr != "":
				replicas++
			}
		}
		if len(view) != len(c.nodes) || primaries != c.opts.Primaries || replicas != c.opts.Primaries*c.opts.Replicas {
			return fmt.Errorf("%s sees %d nodes, %d primaries with slots, %d replicas", nd.Addr(), len(view), primaries, replicas)
		}
	}
	return nil
}

// Addrs returns the address of every node, running or not, in the order
// they were created: seeds for a cluster client.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.nodes))
	for i, nd := range c.nodes {
		out[i] = nd.Addr()
	}
	return out
}

// ClientOptions returns options of a cluster client seeded with every
// node, with the timeouts of the chat's own client and no retries beyond
// redirections, so that an outage shows as it is.
func (c *Cluster) ClientOptions() *redis.ClusterOptions {
	return &redis.ClusterOptions{
		Addrs: c.Addrs(), MaxRetries: -1, DialTimeout: time.Second,
		ReadTimeout: 3 * time.Second, WriteTimeout: 3 * time.Second, ContextTimeoutEnabled: true,
		PoolSize:                 10,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	}
}

// NewClient returns a cluster client with opt (ClientOptions when nil;
// Addrs defaults to every node), closed when the test ends.
func (c *Cluster) NewClient(opt *redis.ClusterOptions) *redis.ClusterClient {
	if opt == nil {
		opt = c.ClientOptions()
	}
	if len(opt.Addrs) == 0 {
		opt.Addrs = c.Addrs()
	}
	cc := redis.NewClusterClient(opt)
	c.t.Cleanup(func() { _ = cc.Close() })
	return cc
}

// Admin returns a client of the one node at addr for the test's own
// commands (CLUSTER ..., INFO, DEBUG): it follows no redirection and
// does not retry.
func (c *Cluster) Admin(addr string) *redis.Client { return c.node(addr).admin }

// Log returns the log of the node at addr.
func (c *Cluster) Log(addr string) string { return c.node(addr).Log() }

// Logs returns the last lines of every node's log, for a failure message.
func (c *Cluster) Logs() string {
	var b strings.Builder
	for _, nd := range c.nodes {
		lines := strings.Split(strings.TrimSpace(nd.Log()), "\n")
		fmt.Fprintf(&b, "--- %s (last lines)\n%s\n", nd.Addr(), strings.Join(lines[max(0, len(lines)-15):], "\n"))
	}
	return b.String()
}

func (c *Cluster) node(addr string) *Redis {
	c.t.Helper()
	for _, nd := range c.nodes {
		if nd.Addr() == addr {
			return nd
		}
	}
	c.t.Fatalf("no cluster node at %s", addr)
	return nil
}

// ID returns the cluster node ID of the node at addr (CLUSTER MYID, read
// once: a node keeps its ID in its nodes.conf across restarts).
func (c *Cluster) ID(addr string) string {
	c.t.Helper()
	c.idsMu.Lock()
	id, ok := c.ids[addr]
	c.idsMu.Unlock()
	if ok {
		return id
	}
	id, err := c.Admin(addr).Do(context.Background(), "CLUSTER", "MYID").Text()
	if err != nil {
		c.t.Fatalf("CLUSTER MYID on %s: %v", addr, err)
	}
	c.idsMu.Lock()
	c.ids[addr] = id
	c.idsMu.Unlock()
	return id
}

// runCLI runs redis-cli with args, failing the test when it fails, and
// returns its output.
func (c *Cluster) runCLI(d time.Duration, args ...string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	out, err := exec.CommandContext(ctx, c.cli, args...).CombinedOutput()
	if err != nil {
		c.t.Fatalf("redis-cli %s: %v\n%s\n%s", strings.Join(args, " "), err, out, c.Logs())
	}
	return string(out)
}

func (c *Cluster) cleanup() {
	for _, nd := range c.nodes {
		nd.cleanup()
	}
}
