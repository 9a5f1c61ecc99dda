package faulttest

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestHarness checks the harness itself: a Redis with AOF keeps its data
// across Stop and Start, DEBUG SLEEP stalls it, and the proxy pauses,
// holds, resumes and switches.
func TestHarness(t *testing.T) {
	ctx := context.Background()
	rd := StartRedis(t, RedisOptions{AOF: true})
	other := StartRedis(t, RedisOptions{})
	p := NewProxy(t, rd.Addr())
	c := redis.NewClient(&redis.Options{Addr: p.Addr(), MaxRetries: -1, ReadTimeout: 300 * time.Millisecond, PoolSize: 1})
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}

	p.Pause()
	var ne net.Error
	if err := c.Get(ctx, "k").Err(); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("GET through a paused proxy: %v, want a timeout", err)
	}
	p.Resume()
	if v := c.Get(ctx, "k").Val(); v != "v" {
		t.Fatalf("GET after Resume = %q", v)
	}

	held := p.HoldOn("subscribe")
	ps := c.Subscribe(ctx, "topic")
	t.Cleanup(func() { _ = ps.Close() })
	select {
	case <-held:
	case <-time.After(5 * time.Second):
		t.Fatal("SUBSCRIBE was not held")
	}
	if _, err := ps.ReceiveTimeout(ctx, 300*time.Millisecond); err == nil {
		t.Fatal("a held subscription was confirmed")
	}
	p.Resume()
	if _, err := ps.ReceiveTimeout(ctx, 5*time.Second); err != nil {
		t.Fatalf("subscription after Resume: %v", err)
	}

	rd.Stop()
	rd.Start()
	if v := rd.Admin().Get(ctx, "k").Val(); v != "v" {
		t.Fatalf("after a restart with AOF, k = %q, want v", v)
	}

	p.Switch(other.Addr())
	if err := c.Get(ctx, "k").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("GET after Switch to an empty Redis: %v, want nil", err)
	}

	const stall = 300 * time.Millisecond
	start := time.Now()
	if err := <-rd.Sleep(stall); err != nil {
		t.Fatalf("DEBUG SLEEP: %v", err)
	}
	if d := time.Since(start); d < stall {
		t.Fatalf("DEBUG SLEEP %s answered after %s", stall, d)
	}
}
