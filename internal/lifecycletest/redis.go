package lifecycletest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redischat/chat/internal/chattest"
)

// RedisServerBin is the redis-server the tests start themselves.
const RedisServerBin = "/usr/bin/redis-server"

// RedisServer is a redis-server of one test's own, without persistence,
// killed when the test ends.
type RedisServer struct {
	Addr string // 127.0.0.1:port
	URL  string // redis://127.0.0.1:port/0

	cmd    *exec.Cmd
	exited chan struct{}
	log    chattest.Buffer
}

// StartRedis starts redis-server on port (0: a free one) and waits until it
// answers PING. It skips the test when redis-server is not installed
// (.ci/run installs it).
func StartRedis(t testing.TB, port int) *RedisServer {
	t.Helper()
	if _, err := exec.LookPath(RedisServerBin); err != nil {
		t.Skipf("%s is not installed (.ci/run installs it)", RedisServerBin)
	}
	if port == 0 {
		port = chattest.FreePort(t)
	}
	r := &RedisServer{Addr: "127.0.0.1:" + strconv.Itoa(port), exited: make(chan struct{})}
	r.URL = "redis://" + r.Addr + "/0"
	r.cmd = exec.Command(RedisServerBin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--enable-debug-command", "yes", "--dir", t.TempDir())
	r.cmd.Stdout, r.cmd.Stderr = &r.log, &r.log
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	go func() { _ = r.cmd.Wait(); close(r.exited) }()
	t.Cleanup(r.Stop)
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr, MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for rdb.Ping(context.Background()).Err() != nil {
		select {
		case <-r.exited:
			t.Fatalf("redis-server on %s exited:\n%s", r.Addr, r.log.String())
		case <-time.After(10 * time.Millisecond): // it has no readiness event but answering
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not answer within 10s:\n%s", r.Addr, r.log.String())
		}
	}
	return r
}

// Stop kills the server and waits for it to exit.
func (r *RedisServer) Stop() {
	_ = r.cmd.Process.Kill()
	<-r.exited
}

// Client returns a client of the server, closed when the test ends.
func (r *RedisServer) Client(t testing.TB) *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// Stall makes the server sleep for d in one command (DEBUG SLEEP), sent on
// a connection of its own whose answer no one waits for, and returns once
// the server has stopped answering other clients. The connection is closed
// when the test ends.
func (r *RedisServer) Stall(t testing.TB, d time.Duration) {
	t.Helper()
	conn, err := net.Dial("tcp", r.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	secs := strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
	cmd := fmt.Sprintf("*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$%d\r\n%s\r\n", len(secs), secs)
	if _, err := conn.Write([]byte(cmd)); err != nil {
		t.Fatal(err)
	}
	// The server runs one command at a time: once a PING gets no answer
	// within a short while, the sleep has begun.
	deadline := time.Now().Add(5 * time.Second)
	reply := bufio.NewReader(conn)
	for {
		if !r.answers(200 * time.Millisecond) {
			return
		}
		_ = conn.SetReadDeadline(time.Now().Add(time.Millisecond))
		if line, err := reply.ReadString('\n'); err == nil { // DEBUG SLEEP answers when done, or refused
			t.Fatalf("redis-server on %s answered DEBUG SLEEP at once: %q", r.Addr, line)
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s still answers 5s after DEBUG SLEEP", r.Addr)
		}
	}
}

// answers reports whether the server answers PING within d.
func (r *RedisServer) answers(d time.Duration) bool {
	conn, err := net.DialTimeout("tcp", r.Addr, d)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(d))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	return err == nil && line == "+PONG\r\n"
}
