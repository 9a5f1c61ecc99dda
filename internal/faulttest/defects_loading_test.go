package faulttest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestCatchUpRetriesWhileLoading (defect 4): instance A's pub/sub
// connection is down while clients on instance B send; it comes back while
// Redis is loading its data, so A's subscription is confirmed but its
// first catch-up reads fail (LOADING, EXECABORT). A must retry until a
// read succeeds: every client of A ends with every message, none
// reconnecting.
//
// The loading is DEBUG RELOAD (Redis saves and loads its dataset again,
// as at a restart, but keeps its connections), made to last about 3 s on
// any machine by key-load-delay over a few thousand padding keys. While
// loading, Redis answers LOADING to all but a few commands, SUBSCRIBE
// among them. A's proxy holds A's new pub/sub connection as it subscribes
// and lets it go once Redis is loading. A restart with a large AOF loads
// for as long as the machine takes, and A's reconnect backoff (up to 2 s)
// could miss it.
func TestCatchUpRetriesWhileLoading(t *testing.T) {
	rd := StartRedis(t, RedisOptions{})
	front := NewProxy(t, rd.Addr())
	cfgA := serverConfig(t, front.URL())
	cfgA.PositionCheck = time.Hour // only the catch-up of the new subscription can bring the messages
	cfgB := cfgA
	cfgB.RedisURL = rd.URL()
	servers := startServers(t, cfgA, cfgB)
	a, b := servers[0], servers[1]
	// Clients take the URLs in turn: the two senders are on B, members on both.
	f := NewFleet(t, FleetConfig{URLs: []string{b.URL(), b.URL(), a.URL(), a.URL()}, Clients: 8, Senders: 2, Interval: 20 * time.Millisecond, Reconnect: true})
	key, topic := GeneralLog(cfgA), generalTopic(cfgA)
	f.StartSending()
	mustAcked(t, f, 10, 20*time.Second, "before the gap")
	before := StreamTop(settle(t, f, rd, key))

	held := front.HoldOn("subscribe")
	front.Cut() // every connection of A; the new pub/sub connection is held as it subscribes
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("instance A did not subscribe again within 10 s")
	}
	waitSubscribers(t, rd, topic, 1, 10*time.Second)
	f.StartSending()
	mustAcked(t, f, f.Acked()+30, 20*time.Second, "during A's gap")
	f.StopSending()
	stream := ReadStream(t, rd.Admin(), key)
	top := StreamTop(stream)
	for _, c := range f.Clients() {
		if c.URL() == a.URL() && c.Last() >= top {
			t.Fatalf("%s on A has the stream's top %d during A's gap: the gap was not exercised", c.Name, top)
		}
	}

	metrics := a.Node.Metrics()
	caughtUp, failed := metrics.CaughtUp.Load(), metrics.RedisErrors.Load()
	loaded := reloadSlowly(t, rd, 2500)
	front.Resume()
	waitSubscribers(t, rd, topic, 2, 5*time.Second)
	subscribed := time.Now()
	if err := rd.Admin().Ping(context.Background()).Err(); err == nil || !strings.HasPrefix(err.Error(), "LOADING") {
		t.Fatalf("Redis had loaded (PING: %v) when A subscribed again: defect 4 not exercised", err)
	}
	select {
	case err := <-loaded:
		if err != nil {
			t.Fatalf("DEBUG RELOAD: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("DEBUG RELOAD did not end within 30 s")
	}
	done := time.Now()
	behind := f.WaitCaughtUp(top, 15*time.Second)
	t.Logf("A subscribed again %s before Redis had loaded; %d messages caught up from the store and %d Redis errors on A since",
		done.Sub(subscribed).Round(time.Millisecond), metrics.CaughtUp.Load()-caughtUp, metrics.RedisErrors.Load()-failed)
	if len(behind) > 0 {
		t.Errorf("15 s after Redis loaded, clients lack the gap's messages (top %d): %s: the catch-up gave up", top, strings.Join(behind, ", "))
	} else {
		t.Logf("A's clients had the gap's %d messages %s after Redis had loaded", top-before, time.Since(done).Round(time.Millisecond))
	}
	f.Check(t)
	f.CheckStream(t, stream)
	if st := f.Stats(); st.Reconnects > 0 {
		t.Errorf("%d client reconnects (close codes %s): a catch-up must not cost clients their connection", st.Reconnects, codes(st.CloseCodes))
	}
}

// reloadSlowly makes Redis load its dataset again (DEBUG RELOAD), slowly:
// pad keys more, each loaded 1 ms apart, other clients answered every KB.
// It returns once Redis is loading; the channel gets the command's result.
func reloadSlowly(t *testing.T, rd *Redis, pad int) <-chan error {
	t.Helper()
	ctx := context.Background()
	for _, cmd := range [][]any{
		{"CONFIG", "SET", "loading-process-events-interval-bytes", "1024"},
		{"DEBUG", "POPULATE", pad, "pad:", 10},
		{"CONFIG", "SET", "key-load-delay", "1000"},
	} {
		if err := rd.Admin().Do(ctx, cmd...).Err(); err != nil {
			t.Fatalf("%v: %v", cmd, err)
		}
	}
	done, ended := make(chan error, 1), make(chan struct{})
	c := redis.NewClient(&redis.Options{Addr: rd.Addr(), MaxRetries: -1, ReadTimeout: time.Minute, PoolSize: 1})
	go func() {
		defer close(ended)
		defer c.Close()
		done <- c.Do(ctx, "DEBUG", "RELOAD").Err()
	}()
	t.Cleanup(func() { <-ended })
	err := Poll(10*time.Second, func() error {
		if err := rd.Admin().Ping(ctx).Err(); err == nil || !strings.HasPrefix(err.Error(), "LOADING") {
			return fmt.Errorf("not loading (PING: %v)", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return done
}
