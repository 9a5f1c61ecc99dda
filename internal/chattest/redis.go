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

// ClusterEnv is the variable naming a Redis Cluster (comma-separated
// host:port seeds) that the tests' servers use instead of RedisEnv's Redis:
// .ci/run runs the protocol tests once with each.
const ClusterEnv = "CHAT_TEST_REDIS_CLUSTER"

// Cluster returns the seeds of the tests' Redis Cluster, "" when the tests
// run on a single Redis.
func Cluster() string { return os.Getenv(ClusterEnv) }

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
	if seeds := Cluster(); seeds != "" {
		cfg.RedisCluster = seeds
	} else {
		cfg.RedisURL = RedisURL(t)
	}
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
func Client(t testing.TB, cfg chatcore.Config) redis.UniversalClient {
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
	del := func(ctx context.Context, node *redis.Client) error {
		iter := node.Scan(ctx, 0, cfg.KeyPrefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		// One DEL per key, pipelined: a cluster node takes one slot per DEL.
		pipe := node.Pipeline()
		for _, k := range keys {
			pipe.Del(ctx, k)
		}
		if _, err := pipe.Exec(ctx); err != nil && len(keys) > 0 {
			return err
		}
		return iter.Err()
	}
	if c, ok := rdb.(*redis.ClusterClient); ok {
		err = c.ForEachMaster(ctx, del)
	} else {
		err = del(ctx, rdb.(*redis.Client))
	}
	if err != nil {
		t.Logf("cleanup of %s: %v", cfg.KeyPrefix, err)
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

// RedisEnviron returns the environment variables that point a server
// process at cfg's Redis: REDIS_URL, or REDIS_CLUSTER_ADDRESSES.
func RedisEnviron(cfg chatcore.Config) []string {
	if cfg.RedisCluster != "" {
		return []string{"REDIS_CLUSTER_ADDRESSES=" + cfg.RedisCluster}
	}
	return []string{"REDIS_URL=" + cfg.RedisURL}
}
