// Package chattest helps tests start real servers against a real Redis and
// speak the protocol to them over real websockets.
//
// The Redis is the one CHAT_TEST_REDIS_URL names (.ci/run sets it); without
// it, an embedded Redis-compatible server shared by the test binary. Every
// test gets its own key prefix, so tests never see each other's data.
package chattest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/embedredis"
)

// RedisEnv is the variable naming the tests' Redis.
const RedisEnv = "CHAT_TEST_REDIS_URL"

var embedded = sync.OnceValues(embedredis.Start)

// RedisURL returns the URL of the tests' Redis.
func RedisURL(t testing.TB) string {
	if u := os.Getenv(RedisEnv); u != "" {
		return u
	}
	s, err := embedded()
	if err != nil {
		t.Fatalf("no %s set and the embedded Redis did not start: %v", RedisEnv, err)
	}
	return "redis://" + s.Addr()
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// Config returns a configuration for one test: the tests' Redis, a key
// prefix of its own (whose keys are deleted when the test ends), the lowest
// bcrypt cost, and debug logs.
func Config(t testing.TB) chatcore.Config {
	t.Helper()
	cfg := chatcore.DefaultConfig()
	cfg.RedisURL = RedisURL(t)
	var b [4]byte
	_, _ = rand.Read(b[:])
	cfg.KeyPrefix = "test:" + unsafeChars.ReplaceAllString(t.Name(), "_") + ":" + hex.EncodeToString(b[:]) + ":"
	cfg.BcryptCost = 4
	cfg.LogLevel = "debug"
	cfg.ShutdownTimeout = 5 * time.Second
	// Presence at once, each change its own frame, in the order of the
	// events: what most tests reason about. Tests of the grace period and
	// of batching set their own.
	cfg.PresenceGrace, cfg.PresenceBatch = 0, 0
	// Test clients all come from loopback: the per-address limits are for
	// the tests of them, which set their own.
	cfg.TrustedProxyHops, cfg.LimitExemptNetworks = 0, "127.0.0.0/8,::1/128"
	t.Cleanup(func() { deletePrefix(t, cfg) })
	return cfg
}

// Client returns a Redis client for cfg, closed when the test ends.
func Client(t testing.TB, cfg chatcore.Config) *redis.Client {
	t.Helper()
	rdb, err := chatcore.NewRedisClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

func deletePrefix(t testing.TB, cfg chatcore.Config) {
	rdb, err := chatcore.NewRedisClient(cfg)
	if err != nil {
		return
	}
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	iter := rdb.Scan(ctx, 0, cfg.KeyPrefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		if err := rdb.Del(ctx, keys[:n]...).Err(); err != nil {
			t.Logf("cleanup of %s: %v", cfg.KeyPrefix, err)
			return
		}
		keys = keys[n:]
	}
}

// RequireRealRedis skips a test that needs a feature the embedded server
// lacks (CLIENT LIST and KILL, say) when CHAT_TEST_REDIS_URL is unset. CI
// always sets it, so there the test runs.
func RequireRealRedis(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(RedisEnv) == "" {
		t.Skipf("needs a real Redis (%s): set %s", why, RedisEnv)
	}
}
