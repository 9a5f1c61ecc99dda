package faulttest

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Figures of TestMeasureClusterPubSub: CPU counters, percentiles, medians
// and the markdown table.

// nodesCPU returns used_cpu_sys+used_cpu_user (seconds) of every node.
func nodesCPU(ctx context.Context, tg *measureTarget) (map[string]float64, error) {
	out := map[string]float64{}
	for _, addr := range tg.nodes {
		info, err := tg.admin(addr).Info(ctx, "cpu").Result()
		if err != nil {
			return nil, fmt.Errorf("INFO cpu on %s: %w", addr, err)
		}
		for line := range strings.SplitSeq(info, "\r\n") {
			k, v, ok := strings.Cut(line, ":")
			if ok && (k == "used_cpu_sys" || k == "used_cpu_user") {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return nil, fmt.Errorf("INFO cpu on %s: %q: %w", addr, line, err)
				}
				out[addr] += f
			}
		}
	}
	return out, nil
}

// busPublishes is the number of PUBLISH and SPUBLISH messages the nodes
// sent on the cluster bus (CLUSTER INFO), 0 without a cluster.
func busPublishes(ctx context.Context, tg *measureTarget) int64 {
	var n int64
	for _, addr := range tg.nodes {
		info, err := tg.admin(addr).ClusterInfo(ctx).Result()
		if err != nil {
			return 0
		}
		for line := range strings.SplitSeq(info, "\r\n") {
			k, v, _ := strings.Cut(line, ":")
			if k == "cluster_stats_messages_publish_sent" || k == "cluster_stats_messages_publishshard_sent" {
				x, _ := strconv.ParseInt(v, 10, 64)
				n += x
			}
		}
	}
	return n
}

// selfCPU is this process's user+system CPU time in seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// readLoad1 is the one-minute load average.
func readLoad1() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	return f
}

func percentile(ns []int64, q float64) time.Duration {
	if len(ns) == 0 {
		return 0
	}
	slices.Sort(ns)
	return time.Duration(ns[min(len(ns)-1, int(q*float64(len(ns))))])
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// measureRow is one configuration of one target with the results of its runs.
type measureRow struct {
	target string
	cfg    measureConfig
	runs   []measureResult
}

func (r measureRow) med(f func(measureResult) float64) float64 {
	xs := make([]float64, len(r.runs))
	for i, x := range r.runs {
		xs[i] = f(x)
	}
	return median(xs)
}

const measureHeader = "| Topology | Pub/sub | S | Offered publish/s | Publish/s | Deliveries/s | p50 | p99 " +
	"| Redis CPU ms per 1k deliveries (all nodes) | Same, less idle CPU | Redis CPU, cores (all nodes) | Busiest node, cores " +
	"| Go client CPU ms per 1k deliveries | Bus messages per publish | Lost / errors (all runs) | Load avg 1 min (runs) |\n" +
	"|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n"

// markdown is the row of the median of every figure.
func (r measureRow) markdown() string {
	offered := "max"
	if r.cfg.rate > 0 {
		offered = strconv.Itoa(r.cfg.rate)
	}
	var lost, errs int64
	loads := make([]string, len(r.runs))
	for i, x := range r.runs {
		lost += x.lost
		errs += x.errors
		loads[i] = strconv.FormatFloat(x.load1, 'f', 2, 64)
	}
	dur := func(f func(measureResult) time.Duration) string {
		d := time.Duration(r.med(func(x measureResult) float64 { return float64(f(x)) }))
		return fmtLatency(d)
	}
	mode := string(r.cfg.mode)
	if strings.HasPrefix(r.target, "1 Redis") {
		mode = "PUBLISH"
	}
	return fmt.Sprintf("| %s | %s | %d | %s | %s | %s | %s | %s | %.1f | %.1f | %.2f | %.2f | %.1f | %.1f | %d / %d | %s |\n",
		r.target, mode, r.cfg.subscribers, offered,
		fmtCount(r.med(func(x measureResult) float64 { return x.pubPerSec })),
		fmtCount(r.med(func(x measureResult) float64 { return x.delivPerSec })),
		dur(func(x measureResult) time.Duration { return x.p50 }),
		dur(func(x measureResult) time.Duration { return x.p99 }),
		r.med(func(x measureResult) float64 { return x.redisCPUPer1k }),
		r.med(func(x measureResult) float64 { return x.marginalPer1k }),
		r.med(func(x measureResult) float64 { return x.redisCores }),
		r.med(func(x measureResult) float64 { return x.busiestCores }),
		r.med(func(x measureResult) float64 { return x.clientCPUPer1k }),
		r.med(func(x measureResult) float64 { return x.busPerPub }),
		lost, errs, strings.Join(loads, ", "))
}

// String is one run, for the test log.
func (x measureResult) String() string {
	return fmt.Sprintf("pub/s %s deliv/s %s p50 %s p99 %s redis %.1f ms/1k (%.1f less idle, %.2f cores, busiest %.2f) client %.1f ms/1k bus/pub %.1f lost %d errors %d load %.2f",
		fmtCount(x.pubPerSec), fmtCount(x.delivPerSec), fmtLatency(x.p50), fmtLatency(x.p99),
		x.redisCPUPer1k, x.marginalPer1k, x.redisCores, x.busiestCores, x.clientCPUPer1k, x.busPerPub, x.lost, x.errors, x.load1)
}

func fmtLatency(d time.Duration) string {
	if d >= 10*time.Millisecond {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(10 * time.Microsecond).String()
}

// fmtCount writes n rounded to three significant digits with thousands separators.
func fmtCount(n float64) string {
	v := int64(n)
	for p := int64(1); v >= 1000*p; p *= 10 {
		v = v / (10 * p) * (10 * p)
	}
	s := strconv.FormatInt(v, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
