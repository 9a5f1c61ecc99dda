package faulttest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redischat/chat/internal/chattest"
)

// RedisOptions says how to run a redis-server.
type RedisOptions struct {
	// AOF turns on the append-only file, synced on every write, so that a
	// restart keeps every write Redis answered. Without it a restart comes
	// back empty (no RDB snapshots are ever written).
	AOF bool
}

// Redis is a redis-server process of one test, on a free port of
// 127.0.0.1 with its own directory. It can be stopped and started again on
// the same port and directory; whatever runs when the test ends is killed.
// A node of a Cluster is one too, started with the cluster's arguments.
type Redis struct {
	t     testing.TB
	bin   string
	opts  RedisOptions
	port  int
	dir   string
	extra []string // server arguments after the common ones

	admin *redis.Client
	bg    sync.WaitGroup // DEBUG SLEEP calls

	mu     sync.Mutex
	proc   *exec.Cmd
	out    *chattest.Buffer // what the process wrote before its log file opened
	exited chan struct{}
}

// StartRedis starts a redis-server and waits until it answers PING. It
// skips the test when redis-server is not installed (.ci/run installs it).
func StartRedis(t testing.TB, opts RedisOptions) *Redis {
	t.Helper()
	r := newRedis(t, lookTool(t, "redis-server"), opts, chattest.FreePort(t), t.TempDir(), 3*time.Second)
	t.Cleanup(r.cleanup)
	r.Start()
	return r
}

// newRedis returns a Redis of bin on port, with dir, that is not started
// yet and that nothing kills when the test ends: the caller arranges that
// cleanup runs. Its admin client times reads and writes out after
// timeout; extra is appended to the server's arguments.
func newRedis(t testing.TB, bin string, opts RedisOptions, port int, dir string, timeout time.Duration, extra ...string) *Redis {
	r := &Redis{t: t, bin: bin, opts: opts, port: port, dir: dir, extra: extra}
	// No retries: a command to a Redis that is down fails at once.
	r.admin = redis.NewClient(&redis.Options{
		Addr: r.Addr(), MaxRetries: -1, DialTimeout: time.Second,
		ReadTimeout: timeout, WriteTimeout: timeout, PoolSize: 4,
	})
	return r
}

// Addr returns host:port.
func (r *Redis) Addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

// URL returns the redis:// URL of database 0.
func (r *Redis) URL() string { return "redis://" + r.Addr() + "/0" }

// Admin returns a client of this Redis for the test's own commands. It
// does not retry, so that it shows an outage as it is.
func (r *Redis) Admin() *redis.Client { return r.admin }

func (r *Redis) args() []string {
	a := []string{
		"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--dir", r.dir,
		"--logfile", r.logFile(), "--save", "", "--daemonize", "no",
		"--enable-debug-command", "local",
		"--repl-diskless-sync-delay", "0", // a replica syncs at once, not after 5 s
	}
	if r.opts.AOF {
		a = append(a, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		a = append(a, "--appendonly", "no")
	}
	return append(a, r.extra...)
}

func (r *Redis) logFile() string { return filepath.Join(r.dir, "redis.log") }

// ReplicaOf makes this Redis a replica of addr (host:port).
func (r *Redis) ReplicaOf(addr string) {
	r.t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := r.admin.Do(context.Background(), "REPLICAOF", host, port).Err(); err != nil {
		r.t.Fatalf("REPLICAOF %s: %v", addr, err)
	}
}

// WaitSynced waits until this replica's link to its primary is up and its
// first sync is done. INFO is polled: Redis announces neither.
func (r *Redis) WaitSynced(d time.Duration) {
	r.t.Helper()
	err := Poll(d, func() error {
		info, err := r.admin.Info(context.Background(), "replication").Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "master_link_status:up") || !strings.Contains(info, "master_sync_in_progress:0") {
			return fmt.Errorf("not in sync:\n%s", info)
		}
		return nil
	})
	if err != nil {
		r.t.Fatalf("replica %s: %v", r.Addr(), err)
	}
}

// WaitReplicas runs WAIT n on this primary: it returns once n replicas
// have every write so far, failing the test after d.
func (r *Redis) WaitReplicas(n int, d time.Duration) {
	r.t.Helper()
	got, err := r.admin.Wait(context.Background(), n, d).Result()
	if err != nil || got < int64(n) {
		r.t.Fatalf("WAIT %d: %d replicas in %s, err %v", n, got, d, err)
	}
}

// Promote makes a replica a primary (REPLICAOF NO ONE).
func (r *Redis) Promote() {
	r.t.Helper()
	if err := r.admin.Do(context.Background(), "REPLICAOF", "NO", "ONE").Err(); err != nil {
		r.t.Fatalf("REPLICAOF NO ONE: %v", err)
	}
}

// Sleep makes Redis stall for d (DEBUG SLEEP) on a connection of its own,
// in the background. The channel gets the command's result when Redis
// answers again.
func (r *Redis) Sleep(d time.Duration) <-chan error {
	done := make(chan error, 1)
	c := redis.NewClient(&redis.Options{Addr: r.Addr(), MaxRetries: -1, ReadTimeout: d + 10*time.Second, PoolSize: 1})
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		defer c.Close()
		done <- c.Do(context.Background(), "DEBUG", "SLEEP", strconv.FormatFloat(d.Seconds(), 'f', 3, 64)).Err()
	}()
	return done
}

// Log returns the server's log file and early output.
func (r *Redis) Log() string {
	b, _ := os.ReadFile(r.logFile())
	r.mu.Lock()
	out := r.out
	r.mu.Unlock()
	early := ""
	if out != nil {
		early = out.String()
	}
	return early + string(b)
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
