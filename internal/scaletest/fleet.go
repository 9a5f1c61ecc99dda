package scaletest

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redischat/chat/internal/chattest"
	"github.com/redischat/chat/internal/faulttest"
	"github.com/redischat/chat/internal/lifecycletest"
)

// Backend is the Redis a fleet shares: the variables that point a server
// process at it, with a key prefix of the test's own.
type Backend struct {
	Name string
	Env  []string // REDIS_URL or REDIS_CLUSTER_ADDRESSES, and KEY_PREFIX
}

// SingleRedis is the tests' single Redis (CHAT_TEST_REDIS_URL, see
// chattest.RedisURL), even when CHAT_TEST_REDIS_CLUSTER names a cluster for
// the other tests, with a key prefix whose keys are deleted when the test
// ends.
func SingleRedis(t *testing.T) Backend {
	t.Helper()
	if chattest.Cluster() != "" {
		t.Setenv(chattest.ClusterEnv, "") // chattest.Config would pick the cluster
	}
	cfg := chattest.Config(t)
	return Backend{
		Name: "one Redis at " + cfg.RedisURL,
		Env:  []string{"REDIS_URL=" + cfg.RedisURL, "KEY_PREFIX=" + cfg.KeyPrefix},
	}
}

// RedisCluster starts a Redis Cluster of the test's own, three primaries
// with a replica each, stopped when the test ends (faulttest.StartCluster,
// which skips the test when redis-server or redis-cli is missing).
func RedisCluster(t *testing.T) Backend {
	t.Helper()
	c := faulttest.StartCluster(t, faulttest.ClusterOptions{Primaries: 3, Replicas: 1})
	var b [4]byte
	_, _ = rand.Read(b[:])
	return Backend{
		Name: "a Redis Cluster at " + strings.Join(c.Addrs(), ","),
		Env: []string{
			"REDIS_CLUSTER_ADDRESSES=" + strings.Join(c.Addrs(), ","),
			"KEY_PREFIX=scaletest:" + hex.EncodeToString(b[:]) + ":",
		},
	}
}

// Fleet is the server processes of one test, all on one Backend.
type Fleet struct {
	Backend Backend
	procs   []*lifecycletest.Process
}

// Instances is how many server processes a fleet runs.
const Instances = 3

// healthyWithin is how long a process may take to answer /health: a race
// build starting on a busy machine beside two others.
const healthyWithin = 60 * time.Second

// StartFleet starts Instances server processes on b and waits until each
// answers /health. They are killed when the test ends (their logs printed
// if it failed).
func StartFleet(t *testing.T, b Backend) *Fleet {
	t.Helper()
	began := time.Now()
	env := serverEnv(b)
	f := &Fleet{Backend: b}
	for i := range Instances {
		f.procs = append(f.procs, lifecycletest.StartProcess(t, "instance "+InstanceName(i), env...))
	}
	t.Cleanup(func() { // before the processes are killed
		if t.Failed() {
			f.logCounters(t)
		}
	})
	for _, p := range f.procs {
		p.WaitHealthy(t, healthyWithin)
	}
	t.Logf("%d instances on %s healthy in %s", Instances, b.Name, time.Since(began).Round(time.Millisecond))
	return f
}

// counters are the metrics that tell, when a test fails, whether an
// instance lost its pub/sub link or caught up from the store.
var counters = []string{
	"chat_pubsub_reconnects_total", "chat_redis_errors_total", "chat_caught_up_messages_total",
	"chat_echo_fallbacks_total", "chat_recovery_resets_total", "chat_queue_drops_total",
}

func (f *Fleet) logCounters(t *testing.T) {
	for i, p := range f.procs {
		var vals []string
		for _, name := range counters {
			v, err := p.Metric(name)
			if err != nil {
				vals = append(vals, name+": "+err.Error())
				continue
			}
			vals = append(vals, name+" "+strconv.FormatInt(v, 10))
		}
		t.Logf("instance %s: %s", InstanceName(i), strings.Join(vals, ", "))
	}
}

// URL returns the base URL (http://127.0.0.1:port) of instance i.
func (f *Fleet) URL(i int) string { return f.procs[i].URL }

// InstanceName names instance i: A, B, C.
func InstanceName(i int) string { return string(rune('A' + i)) }

// serverEnv is the environment of every process of a fleet: lifecycletest's
// base (its REDIS_URL replaced by the backend's variables), then what these
// tests reason about: presence changes at once and one frame each, joins
// and leaves one frame each, and no abuse limit for the loopback clients.
func serverEnv(b Backend) []string {
	var env []string
	for _, e := range lifecycletest.BaseEnv("", "") {
		if name, _, _ := strings.Cut(e, "="); name != "REDIS_URL" && name != "KEY_PREFIX" {
			env = append(env, e)
		}
	}
	env = append(env, b.Env...)
	return append(env,
		"BCRYPT_COST=4",
		"PRESENCE_GRACE=0",
		"PRESENCE_BATCH=0",
		"TRUSTED_PROXY_HOPS=0",
		"LIMIT_EXEMPT_NETWORKS=127.0.0.0/8,::1/128",
		"METRICS_ENABLED=true", // for logCounters
	)
}
