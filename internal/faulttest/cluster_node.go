package faulttest

import (
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// newClusterNode returns a node of a Cluster, not started yet: a Redis
// (no AOF) with a cluster bus port of its own (--cluster-port: the
// default, port+10000, may be taken or beyond 65535 for an ephemeral port)
// and a directory of its own holding its nodes.conf, so that a node
// started again keeps its ID and its place in the cluster (its data is
// gone: no RDB, no AOF). The Cluster's cleanup kills it.
func newClusterNode(t testing.TB, bin string, port, busPort int, dir string, timeout time.Duration) *Redis {
	p := strconv.Itoa(port)
	return newRedis(t, bin, RedisOptions{}, port, dir, 5*time.Second,
		"--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(busPort),
		"--cluster-config-file", filepath.Join(dir, "nodes-"+p+".conf"),
		"--cluster-node-timeout", strconv.FormatInt(timeout.Milliseconds(), 10))
}

// freePorts returns n distinct TCP ports of 127.0.0.1 that were free a
// moment ago: all are held open until all are chosen.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports
}
