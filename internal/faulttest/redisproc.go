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
	"strings"
	"sync"
	"syscall"
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
type Redis struct {
	t    testing.TB
	bin  string
	opts RedisOptions
	port int
	dir  string

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
	bin := "/usr/bin/redis-server"
	if _, err := os.Stat(bin); err != nil {
		if bin, err = exec.LookPath("redis-server"); err != nil {
			t.Skip("redis-server is not installed (.ci/run installs it)")
		}
	}
	r := &Redis{t: t, bin: bin, opts: opts, port: chattest.FreePort(t), dir: t.TempDir()}
	// No retries: a command to a Redis that is down fails at once.
	r.admin = redis.NewClient(&redis.Options{
		Addr: r.Addr(), MaxRetries: -1, DialTimeout: time.Second,
		ReadTimeout: 3 * time.Second, WriteTimeout: 3 * time.Second, PoolSize: 4,
	})
	t.Cleanup(r.cleanup)
	r.Start()
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
		return append(a, "--appendonly", "yes", "--appendfsync", "always")
	}
	return append(a, "--appendonly", "no")
}

func (r *Redis) logFile() string { return filepath.Join(r.dir, "redis.log") }

// Start starts the process (again, after Stop or Kill) and waits until it
// answers PING, which it does only once its data is loaded.
func (r *Redis) Start() {
	r.t.Helper()
	r.mu.Lock()
	if r.proc != nil {
		r.mu.Unlock()
		r.t.Fatal("redis-server started twice")
	}
	cmd := exec.Command(r.bin, r.args()...)
	out := &chattest.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		r.mu.Unlock()
		r.t.Fatalf("start redis-server: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	r.proc, r.out, r.exited = cmd, out, exited
	r.mu.Unlock()
	if err := r.waitPing(exited, 10*time.Second); err != nil {
		r.t.Fatalf("redis-server on %s: %v\n%s", r.Addr(), err, r.Log())
	}
}

// waitPing polls PING (Redis announces nothing else) until it answers
// PONG, the process exits, or d passes.
func (r *Redis) waitPing(exited chan struct{}, d time.Duration) error {
	return Poll(d, func() error {
		select {
		case <-exited:
			return errStop{errors.New("the process exited")}
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		return r.admin.Ping(ctx).Err()
	})
}

// Stop shuts Redis down gracefully (SHUTDOWN, which syncs the AOF) and
// waits for the process to exit.
func (r *Redis) Stop() {
	r.t.Helper()
	exited := r.running()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = r.admin.Do(ctx, "SHUTDOWN").Err() // answers by closing the connection
	r.wait(exited, "SHUTDOWN")
}

// Kill kills the process (SIGKILL), as a crash would, and waits for it.
func (r *Redis) Kill() {
	r.t.Helper()
	exited := r.running()
	r.mu.Lock()
	_ = r.proc.Process.Signal(syscall.SIGKILL)
	r.mu.Unlock()
	r.wait(exited, "SIGKILL")
}

// running returns the exit channel of the running process, failing the
// test when none runs.
func (r *Redis) running() chan struct{} {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.proc == nil {
		r.t.Fatal("redis-server is not running")
	}
	return r.exited
}

func (r *Redis) wait(exited chan struct{}, how string) {
	r.t.Helper()
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		r.t.Fatalf("redis-server still running 10s after %s\n%s", how, r.Log())
	}
	r.mu.Lock()
	r.proc = nil
	r.mu.Unlock()
}

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

func (r *Redis) cleanup() {
	r.mu.Lock()
	proc, exited := r.proc, r.exited
	r.proc = nil
	r.mu.Unlock()
	if proc != nil {
		_ = proc.Process.Signal(syscall.SIGKILL)
		<-exited
	}
	r.bg.Wait()
	_ = r.admin.Close()
}
