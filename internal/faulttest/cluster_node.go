package faulttest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redischat/chat/internal/chattest"
)

// clusterNode is one redis-server process of a Cluster: a client port, a
// cluster bus port of its own (--cluster-port: the default, port+10000,
// may be taken or beyond 65535 for an ephemeral port) and a directory of
// its own holding its nodes.conf, so that a node started again keeps its
// ID and its place in the cluster (its data is gone: no RDB, no AOF).
type clusterNode struct {
	bin     string
	port    int
	busPort int
	dir     string
	timeout time.Duration // cluster-node-timeout
	admin   *redis.Client

	mu     sync.Mutex
	proc   *exec.Cmd
	out    *chattest.Buffer // what the process wrote before its log file opened
	exited chan struct{}
}

func newClusterNode(bin string, port, busPort int, dir string, timeout time.Duration) *clusterNode {
	n := &clusterNode{bin: bin, port: port, busPort: busPort, dir: dir, timeout: timeout}
	n.admin = redis.NewClient(&redis.Options{
		Addr: n.addr(), MaxRetries: -1, DialTimeout: time.Second,
		ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second, PoolSize: 4,
	})
	return n
}

func (n *clusterNode) addr() string { return "127.0.0.1:" + strconv.Itoa(n.port) }

func (n *clusterNode) logFile() string { return filepath.Join(n.dir, "redis.log") }

func (n *clusterNode) args() []string {
	p := strconv.Itoa(n.port)
	return []string{
		"--port", p, "--bind", "127.0.0.1", "--dir", n.dir, "--logfile", n.logFile(),
		"--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(n.busPort),
		"--cluster-config-file", filepath.Join(n.dir, "nodes-"+p+".conf"),
		"--cluster-node-timeout", strconv.FormatInt(n.timeout.Milliseconds(), 10),
		"--save", "", "--appendonly", "no", "--daemonize", "no",
		"--enable-debug-command", "local",
		"--repl-diskless-sync-delay", "0", // a replica syncs at once, not after 5 s
	}
}

// start starts the process; it does not wait for it to answer.
func (n *clusterNode) start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc != nil {
		return fmt.Errorf("%s started twice", n.addr())
	}
	if err := os.MkdirAll(n.dir, 0o755); err != nil {
		return err
	}
	cmd := exec.Command(n.bin, n.args()...)
	out := &chattest.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server on %s: %w", n.addr(), err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	n.proc, n.out, n.exited = cmd, out, exited
	return nil
}

// waitPing waits until the process answers PING, failing early if it exits.
func (n *clusterNode) waitPing(d time.Duration) error {
	n.mu.Lock()
	exited := n.exited
	n.mu.Unlock()
	return Poll(d, func() error {
		select {
		case <-exited:
			return errStop{errors.New("the process exited")}
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		return n.admin.Ping(ctx).Err()
	})
}

// running reports whether the harness has the process running.
func (n *clusterNode) running() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.proc != nil
}

// kill sends SIGKILL and waits up to d for the process to exit.
func (n *clusterNode) kill(d time.Duration) error {
	n.mu.Lock()
	proc, exited := n.proc, n.exited
	n.proc = nil
	n.mu.Unlock()
	if proc == nil {
		return fmt.Errorf("redis-server on %s is not running", n.addr())
	}
	_ = proc.Process.Signal(syscall.SIGKILL)
	select {
	case <-exited:
		return nil
	case <-time.After(d):
		return fmt.Errorf("redis-server on %s still running %s after SIGKILL", n.addr(), d)
	}
}

// log returns the node's early output and log file.
func (n *clusterNode) log() string {
	b, _ := os.ReadFile(n.logFile())
	n.mu.Lock()
	out := n.out
	n.mu.Unlock()
	early := ""
	if out != nil {
		early = out.String()
	}
	return early + string(b)
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

// lookTool returns the path of a Redis tool, skipping the test when it is
// not installed.
func lookTool(t testing.TB, name string) string {
	t.Helper()
	if bin := "/usr/bin/" + name; fileExists(bin) {
		return bin
	}
	bin, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (.ci/run installs redis-server, which brings redis-cli)", name)
	}
	return bin
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
