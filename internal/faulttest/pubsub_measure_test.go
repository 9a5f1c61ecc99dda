package faulttest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestMeasureClusterPubSub is a measurement tool, not a test: it compares
// classic PUBLISH with sharded pub/sub (SPUBLISH, SSUBSCRIBE on every slot
// owner) on local redis-server processes, for the chat's bridge topics
// ("chat:{ch:<id>}:pub"), and writes a markdown table. It runs only with
// CHAT_MEASURE_PUBSUB=1:
//
//	CHAT_MEASURE_PUBSUB=1 go test ./internal/faulttest/ -run TestMeasureClusterPubSub -count 1 -v -timeout 20m
//
// Targets (subtests, selectable with -run TestMeasureClusterPubSub/<name>):
// a single Redis (the baseline: no cluster bus), 3 primaries with a
// replica each (the deployment being planned), and 3 and 6 primaries
// without replicas (how classic PUBLISH grows with the node count).
// Each configuration runs CHAT_MEASURE_REPS times (3), alternating with
// the target's other configurations; the table has the medians.
//
// Knobs: CHAT_MEASURE_SECONDS (window, 3), CHAT_MEASURE_PUBLISHERS (4),
// CHAT_MEASURE_RATE and CHAT_MEASURE_LOW_RATE (offered publishes/s of the
// fixed-rate rows, 4000 and 200), CHAT_MEASURE_REPS (3),
// CHAT_MEASURE_TOPICS (200), CHAT_MEASURE_OUT (/tmp/pubsub-figures.md).
func TestMeasureClusterPubSub(t *testing.T) {
	if os.Getenv("CHAT_MEASURE_PUBSUB") != "1" {
		t.Skip("a measurement tool, not a test: set CHAT_MEASURE_PUBSUB=1 to run it (about 5 minutes)")
	}
	window := time.Duration(measureEnv("CHAT_MEASURE_SECONDS", 3)) * time.Second
	publishers := measureEnv("CHAT_MEASURE_PUBLISHERS", 4)
	rate := measureEnv("CHAT_MEASURE_RATE", 4000)
	lowRate := measureEnv("CHAT_MEASURE_LOW_RATE", 200)
	reps := measureEnv("CHAT_MEASURE_REPS", 3)
	topics := measureEnv("CHAT_MEASURE_TOPICS", 200)
	out := os.Getenv("CHAT_MEASURE_OUT")
	if out == "" {
		out = "/tmp/pubsub-figures.md"
	}
	began := time.Now()
	cfg := func(mode measureMode, s, rate int) measureConfig {
		return measureConfig{mode: mode, subscribers: s, publishers: publishers, rate: rate,
			warmup: 500 * time.Millisecond, window: window}
	}
	cluster := []measureMode{modePublishOwner, modePublishAny, modeSPublish}

	var rows []*measureRow
	var idle []string // idle CPU of each target
	t.Run("single", func(t *testing.T) {
		r := StartRedis(t, RedisOptions{})
		tg := newMeasureTarget(t, "1 Redis (no cluster)", []string{r.Addr()}, []string{r.Addr()},
			func(string) *redis.Client { return r.Admin() }, topics,
			func(string) (string, int) { return r.Addr(), 0 })
		var cfgs []measureConfig
		for _, s := range []int{1, 2, 3} {
			cfgs = append(cfgs, cfg(modePublishOwner, s, 0))
		}
		cfgs = append(cfgs, cfg(modePublishOwner, 3, rate), cfg(modePublishOwner, 3, lowRate))
		rows = append(rows, measureConfigs(t, tg, cfgs, reps, &idle)...)
	})
	t.Run("3p1r", func(t *testing.T) {
		tg := clusterMeasureTarget(t, ClusterOptions{Primaries: 3, Replicas: 1}, topics)
		var cfgs []measureConfig
		for _, s := range []int{1, 2, 3} {
			cfgs = append(cfgs, cfg(modePublishOwner, s, 0), cfg(modeSPublish, s, 0))
		}
		cfgs = append(cfgs, cfg(modePublishAny, 3, 0))
		for _, r := range []int{rate, lowRate} {
			for _, m := range cluster {
				cfgs = append(cfgs, cfg(m, 3, r))
			}
		}
		rows = append(rows, measureConfigs(t, tg, cfgs, reps, &idle)...)
	})
	for _, p := range []int{3, 6} {
		t.Run(fmt.Sprintf("%dp0r", p), func(t *testing.T) {
			tg := clusterMeasureTarget(t, ClusterOptions{Primaries: p}, topics)
			cfgs := []measureConfig{cfg(modePublishOwner, 3, rate), cfg(modeSPublish, 3, rate)}
			rows = append(rows, measureConfigs(t, tg, cfgs, reps, &idle)...)
		})
	}

	var b strings.Builder
	fmt.Fprintf(&b, "## Cluster pub/sub: PUBLISH against SPUBLISH (%s)\n\n", time.Now().Format("2006-01-02"))
	fmt.Fprintf(&b, "%s, %d CPUs, %s, go-redis v9.23 clients in the test process (publishers and subscribers "+
		"on the same cores as every redis-server). %d topics `chat:{ch:<id>}:pub`, %d-byte payloads, "+
		"%d publishers (synchronous calls, round-robin over the topics); S subscriber instances each "+
		"subscribed to every topic. %s window after 0.5 s of warm-up; medians of %d runs alternating "+
		"with the target's other rows. Offered \"max\": the publishers flat out, each waiting for its reply; "+
		"a number: publishes per second in total, paced. Output buffer limits for pub/sub clients lifted (`pubsub 0 0 0`). "+
		"Total run time %s.\n\n",
		runtime.GOOS, runtime.NumCPU(), redisVersion(), topics, measurePayloadSize, publishers,
		window, reps, time.Since(began).Round(time.Second))
	b.WriteString(measureHeader)
	for _, r := range rows {
		b.WriteString(r.markdown())
	}
	fmt.Fprintf(&b, "\nIdle Redis CPU (cores, all nodes, no traffic, %s): %s. \"Less idle\" subtracts the "+
		"first figure.\n", window, strings.Join(idle, "; "))
	fmt.Fprintf(&b, "\nReproduce:\n\n```sh\nCHAT_MEASURE_PUBSUB=1 CHAT_MEASURE_SECONDS=%d CHAT_MEASURE_RATE=%d "+
		"CHAT_MEASURE_LOW_RATE=%d CHAT_MEASURE_PUBLISHERS=%d CHAT_MEASURE_REPS=%d \\\n"+
		"  go test ./internal/faulttest/ -run TestMeasureClusterPubSub -count 1 -v -timeout 20m\n```\n",
		int(window/time.Second), rate, lowRate, publishers, reps)
	t.Logf("\n%s", b.String())
	if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
		t.Errorf("write %s: %v", out, err)
	}
}

// measureConfigs runs every configuration reps times, round by round.
func measureConfigs(t *testing.T, tg *measureTarget, cfgs []measureConfig, reps int, idleNotes *[]string) []*measureRow {
	rows := make([]*measureRow, len(cfgs))
	for i, c := range cfgs {
		rows[i] = &measureRow{target: tg.name, cfg: c}
	}
	ctx := context.Background()
	idle, err := measureIdle(ctx, tg, cfgs[0].window)
	if err != nil {
		t.Fatal(err)
	}
	tg.idleCores = idle
	for rep := range reps {
		for _, r := range rows {
			res, err := runMeasure(ctx, tg, r.cfg)
			if err != nil {
				t.Fatalf("%s, %s, S=%d: %v", tg.name, r.cfg.mode, r.cfg.subscribers, err)
			}
			t.Logf("run %d %s | %s | S=%d rate=%d: %s", rep+1, tg.name, r.cfg.mode, r.cfg.subscribers, r.cfg.rate, res)
			r.runs = append(r.runs, res)
		}
	}
	after, err := measureIdle(ctx, tg, cfgs[0].window)
	if err != nil {
		t.Fatal(err)
	}
	*idleNotes = append(*idleNotes, fmt.Sprintf("%s %.3f before its runs, %.3f after", tg.name, idle, after))
	return rows
}

func clusterMeasureTarget(t *testing.T, opts ClusterOptions, topics int) *measureTarget {
	c := StartCluster(t, opts)
	view := c.Nodes()
	name := fmt.Sprintf("Cluster %d primaries", opts.Primaries)
	if opts.Replicas > 0 {
		name += fmt.Sprintf(" + %d replica each", opts.Replicas)
	}
	return newMeasureTarget(t, name, c.Addrs(), c.Primaries(), c.Admin, topics,
		func(topic string) (string, int) {
			slot := c.KeySlot(topic)
			return ownerIn(view, slot), slot
		})
}

// newMeasureTarget names the topics, finds their owners, lifts the pub/sub
// output buffer limits and makes the publishers' clients.
func newMeasureTarget(t *testing.T, name string, nodes, primaries []string, admin func(string) *redis.Client,
	topics int, owner func(string) (string, int)) *measureTarget {
	t.Helper()
	ctx := context.Background()
	tg := &measureTarget{name: name, nodes: nodes, primaries: primaries, admin: admin,
		owner: map[string]string{}, slot: map[string]int{}, pub: map[string]*redis.Client{}}
	perOwner := map[string]int{}
	for i := range topics {
		tp := fmt.Sprintf("chat:{ch:%d}:pub", i)
		tg.topics = append(tg.topics, tp)
		tg.owner[tp], tg.slot[tp] = owner(tp)
		if tg.owner[tp] == "" {
			t.Fatalf("no owner of %s", tp)
		}
		perOwner[tg.owner[tp]]++
	}
	for _, addr := range nodes {
		if err := admin(addr).ConfigSet(ctx, "client-output-buffer-limit", "pubsub 0 0 0").Err(); err != nil {
			t.Fatalf("CONFIG SET on %s: %v", addr, err)
		}
	}
	for _, addr := range primaries {
		cl := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 16, DialTimeout: time.Second,
			ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second})
		t.Cleanup(func() { _ = cl.Close() })
		tg.pub[addr] = cl
	}
	t.Logf("%s: %d nodes, topics per primary %v", name, len(nodes), perOwner)
	return tg
}

func measureEnv(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func redisVersion() string {
	out, err := exec.Command("redis-server", "--version").Output()
	if err != nil {
		return "redis-server (version unknown)"
	}
	f := strings.Fields(string(out))
	for _, x := range f {
		if v, ok := strings.CutPrefix(x, "v="); ok {
			return "Redis " + v
		}
	}
	return strings.TrimSpace(string(out))
}
