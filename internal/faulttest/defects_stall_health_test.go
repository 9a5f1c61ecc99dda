package faulttest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redischat/chat/chatcore"
)

// TestHealthAndSignInDuringStall (defect 6): Redis calls honour their
// deadlines. While Redis stalls, GET /health answers 503 within its 1 s
// bound and signIn {accessKey} on a new socket gets 503 by the request
// deadline (5 s), where both used to wait for Redis to wake (and /health
// then said 200); while only the pub/sub connection is down, signIn does
// not wait for Redis to confirm the user's subscription (it used to, 3 s).
func TestHealthAndSignInDuringStall(t *testing.T) {
	// Longer than the request deadline, so that a signIn sent as the stall
	// begins can only be answered by its deadline.
	const stall = 8 * time.Second
	const healthBound, pubsubBound = 1500 * time.Millisecond, time.Second
	rd := StartRedis(t, RedisOptions{})
	front := NewProxy(t, rd.Addr())
	cfg := serverConfig(t, front.URL())
	a := startServers(t, cfg)[0]
	keys := make([]string, 4)
	for i := range keys {
		keys[i] = httpSignUp(t, a.URL(), fmt.Sprint("u", i)).AccessKey
	}
	if code := healthStatus(a.URL()); code != 200 {
		t.Fatalf("/health %d before the stall", code)
	}

	slept := rd.Sleep(stall)
	until := waitStalled(t, rd).Add(stall - 2*time.Second)
	p := dialProbe(t, a.URL())
	health := make(chan []HealthSample, 1)
	go func() { health <- healthUntil(a.URL(), until) }()
	sent := time.Now()
	_, err := p.signInKey(keys[0])
	took := time.Since(sent)
	samples := <-health
	if err := <-slept; err != nil {
		t.Fatalf("DEBUG SLEEP: %v", err)
	}
	var slowest time.Duration
	for _, s := range samples {
		d := s.Done.Sub(s.Start)
		slowest = max(slowest, d)
		if s.Status != 503 || d > healthBound {
			t.Errorf("GET /health during the stall: %d after %s, want 503 within %s", s.Status, d.Round(time.Millisecond), healthBound)
		}
	}
	t.Logf("DEBUG SLEEP %s: %d GET /health answered, slowest in %s; signIn {accessKey} answered in %s (%v)",
		stall, len(samples), slowest.Round(time.Millisecond), took.Round(time.Millisecond), err)
	if len(samples) == 0 {
		t.Error("no GET /health during the stall")
	}
	if !IsCode(err, 503) || took > answerBound {
		t.Errorf("signIn {accessKey} during the stall: %v after %s, want error 503 within %s", err, took.Round(time.Millisecond), answerBound)
	}

	// Only the pub/sub connection down: killed, and held as it subscribes again.
	waitSubscribers(t, rd, chatcore.NewKeys(cfg.KeyPrefix).BroadcastTopic(), 1, 10*time.Second)
	held := front.HoldOn("subscribe")
	killPubSub(t, rd)
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("the instance did not subscribe again within 10 s")
	}
	var worst time.Duration
	for _, key := range keys[1:] {
		p := dialProbe(t, a.URL())
		sent := time.Now()
		_, err := p.signInKey(key)
		took := time.Since(sent)
		worst = max(worst, took)
		if err != nil || took > pubsubBound {
			t.Errorf("signIn {accessKey} with the pub/sub connection down: %v after %s, want authorized within %s", err, took.Round(time.Millisecond), pubsubBound)
		}
	}
	front.Resume()
	t.Logf("pub/sub connection down: %d signIn {accessKey} answered, slowest in %s", len(keys)-1, worst.Round(time.Millisecond))
}

// waitStalled waits until Redis stops answering (DEBUG SLEEP has begun)
// and returns when it saw it.
func waitStalled(t *testing.T, rd *Redis) time.Time {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: rd.Addr(), MaxRetries: -1, ReadTimeout: 100 * time.Millisecond, PoolSize: 1})
	defer c.Close()
	err := Poll(5*time.Second, func() error {
		var ne net.Error
		if err := c.Ping(context.Background()).Err(); !errors.As(err, &ne) || !ne.Timeout() {
			return fmt.Errorf("Redis still answers PING: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return time.Now()
}

// healthUntil asks GET /health, one request after the other, until until.
func healthUntil(baseURL string, until time.Time) []HealthSample {
	c := http.Client{Timeout: 5 * time.Second}
	var out []HealthSample
	for time.Now().Before(until) {
		s := HealthSample{Start: time.Now()}
		if resp, err := c.Get(baseURL + "/health"); err == nil {
			s.Status = resp.StatusCode
			_ = resp.Body.Close()
		}
		s.Done = time.Now()
		out = append(out, s)
	}
	return out
}
