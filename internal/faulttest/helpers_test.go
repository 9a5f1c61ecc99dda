package faulttest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/app"
	"github.com/redischat/chat/internal/chattest"
)

// serverConfig is a test's server configuration on the Redis at redisURL:
// its own key prefix, no rate limit (the fleet sends fast), a join page
// that holds a whole test's channel (a reset client then gets all of it),
// and info logs.
func serverConfig(t *testing.T, redisURL string) chatcore.Config {
	t.Helper()
	cfg := chattest.Config(t)
	cfg.RedisURL = redisURL
	cfg.RateLimit, cfg.RateBurst = 1e9, 1e9
	cfg.HistoryLimit = 1000
	cfg.LogLevel = "info"
	return cfg
}

// startServers starts one server per configuration.
func startServers(t *testing.T, cfgs ...chatcore.Config) []*app.App {
	t.Helper()
	out := make([]*app.App, len(cfgs))
	for i, cfg := range cfgs {
		out[i] = chattest.Start(t, cfg)
	}
	return out
}

func urls(apps []*app.App) []string {
	out := make([]string, len(apps))
	for i, a := range apps {
		out[i] = a.URL()
	}
	return out
}

// generalTopic is the pub/sub channel of General for cfg.
func generalTopic(cfg chatcore.Config) string {
	return chatcore.NewKeys(cfg.KeyPrefix).ChannelTopic(chatcore.General().ID)
}

// waitSubscribers waits until n connections are subscribed to topic.
func waitSubscribers(t *testing.T, r *Redis, topic string, n int64, d time.Duration) {
	t.Helper()
	err := Poll(d, func() error {
		got, err := r.Admin().PubSubNumSub(context.Background(), topic).Result()
		if err != nil {
			return err
		}
		if got[topic] != n {
			return fmt.Errorf("%d subscribers of %s, want %d", got[topic], topic, n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// killPubSub kills every pub/sub connection of r and returns how many.
func killPubSub(t *testing.T, r *Redis) int64 {
	t.Helper()
	n, err := r.Admin().ClientKillByFilter(context.Background(), "TYPE", "pubsub").Result()
	if err != nil {
		t.Fatalf("CLIENT KILL TYPE pubsub: %v", err)
	}
	return n
}

// settle stops the senders, reads the stream and waits until every client
// has all of it. It returns the stream.
func settle(t *testing.T, f *Fleet, r *Redis, key string) []StreamEntry {
	t.Helper()
	f.StopSending()
	stream := ReadStream(t, r.Admin(), key)
	if behind := f.WaitCaughtUp(StreamTop(stream), 15*time.Second); len(behind) > 0 {
		t.Errorf("15 s after the senders stopped, not every client has the stream's top %d: %s", StreamTop(stream), strings.Join(behind, ", "))
	}
	return stream
}

// healthStatus returns GET /health's status, 0 when it does not answer.
func healthStatus(url string) int {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url + "/health")
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func mustAcked(t *testing.T, f *Fleet, n int, d time.Duration, what string) time.Time {
	t.Helper()
	at, ok := f.WaitAcked(n, d)
	if !ok {
		t.Fatalf("%s: %d messages acknowledged, want %d within %s; %s", what, f.Acked(), n, d, f.Stats().Summary())
	}
	return at
}
