package faulttest

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// This file is the engine of TestMeasureClusterPubSub: S subscriber
// "instances" that each subscribe to every topic, P publishers that
// publish 100-byte payloads round-robin over the topics, and the counters,
// latencies and CPU figures of one measurement window.

// measureMode is how frames are published and subscribed to.
type measureMode string

const (
	// modePublishOwner: PUBLISH on the primary that owns the topic's slot;
	// each instance has one connection (to a primary) with SUBSCRIBE.
	modePublishOwner measureMode = "PUBLISH to slot owner"
	// modePublishAny: PUBLISH on the primaries in turn, the way go-redis
	// routes keyless PUBLISH (RoundRobinPicker over the masters).
	modePublishAny measureMode = "PUBLISH to any primary (go-redis routing)"
	// modeSPublish: SPUBLISH on the slot owner; each instance has one
	// connection per primary with SSUBSCRIBE for the topics it owns.
	modeSPublish measureMode = "SPUBLISH + SSUBSCRIBE per shard"
)

const measurePayloadSize = 100

// measureTarget is a Redis (one server or a cluster) prepared for runs.
type measureTarget struct {
	name      string
	nodes     []string // every redis-server, for INFO cpu
	primaries []string
	admin     func(addr string) *redis.Client
	topics    []string
	owner     map[string]string        // topic -> primary owning its slot
	slot      map[string]int           // topic -> its slot (0 without a cluster)
	pub       map[string]*redis.Client // primary -> client of the publishers
	idleCores float64                  // CPU s per s of every node together without traffic
}

// measureConfig is one configuration of a target.
type measureConfig struct {
	mode        measureMode
	subscribers int
	publishers  int
	rate        int // publishes per second in total; 0: as fast as possible
	warmup      time.Duration
	window      time.Duration
}

// measureResult is what one run measured in its window.
type measureResult struct {
	pubPerSec, delivPerSec float64
	p50, p99               time.Duration
	redisCPUPer1k          float64 // CPU ms of every node together per 1,000 deliveries
	marginalPer1k          float64 // the same less the target's idle CPU
	redisCores             float64 // CPU s per s of every node together
	busiestCores           float64 // CPU s per s of the busiest node
	clientCPUPer1k         float64 // CPU ms of this Go process per 1,000 deliveries
	lost                   int64   // publishes acknowledged times S, minus deliveries
	errors                 int64   // publish and receive errors
	busPerPub              float64 // cluster bus publish messages sent per publish
	load1                  float64 // /proc/loadavg before the run
}

// measureRun is the state of one run.
type measureRun struct {
	tg   *measureTarget
	cfg  measureConfig
	base time.Time

	stop, closing     atomic.Bool
	published, deliv  atomic.Int64
	pubErrs, recvErrs atomic.Int64
	rr                atomic.Uint64
	winStart, winEnd  atomic.Int64 // ns since base; latencies of frames sent in between count
	readers, pubs     sync.WaitGroup
	mu                sync.Mutex
	lat               []int64
	pubsubs           []*redis.PubSub
	subClients        []*redis.Client
}

func (m *measureRun) now() int64 { return int64(time.Since(m.base)) }

func runMeasure(ctx context.Context, tg *measureTarget, cfg measureConfig) (measureResult, error) {
	res := measureResult{load1: readLoad1()}
	m := &measureRun{tg: tg, cfg: cfg, base: time.Now()}
	m.winStart.Store(1 << 62)
	m.winEnd.Store(1 << 62)
	defer m.finish()
	for i := range cfg.subscribers {
		if err := m.subscribe(ctx, i); err != nil {
			return res, err
		}
	}
	for _, ps := range m.pubsubs {
		m.readers.Add(1)
		go m.read(ps)
	}
	for i := range cfg.publishers {
		m.pubs.Add(1)
		go m.publish(ctx, i)
	}
	time.Sleep(cfg.warmup)

	cpu0, err := nodesCPU(ctx, tg)
	if err != nil {
		return res, err
	}
	bus0 := busPublishes(ctx, tg)
	self0, t0 := selfCPU(), time.Now()
	pub0, del0 := m.published.Load(), m.deliv.Load()
	m.winStart.Store(m.now())
	time.Sleep(cfg.window)
	m.winEnd.Store(m.now())
	pub1, del1 := m.published.Load(), m.deliv.Load()
	self1, elapsed := selfCPU(), time.Since(t0).Seconds()
	cpu1, err := nodesCPU(ctx, tg)
	bus1 := busPublishes(ctx, tg)
	m.stop.Store(true)
	m.pubs.Wait()
	if err != nil {
		return res, err
	}
	if pub1 > pub0 {
		res.busPerPub = float64(bus1-bus0) / float64(pub1-pub0)
	}
	m.drain()

	deliveries := float64(del1 - del0)
	res.pubPerSec = float64(pub1-pub0) / elapsed
	res.delivPerSec = deliveries / elapsed
	var sum float64
	for addr, c := range cpu1 {
		d := c - cpu0[addr]
		sum += d
		res.busiestCores = max(res.busiestCores, d/elapsed)
	}
	res.redisCores = sum / elapsed
	if deliveries > 0 {
		res.redisCPUPer1k = sum * 1e6 / deliveries
		res.marginalPer1k = (sum - tg.idleCores*elapsed) * 1e6 / deliveries
		res.clientCPUPer1k = (self1 - self0) * 1e6 / deliveries
	}
	res.lost = m.published.Load()*int64(cfg.subscribers) - m.deliv.Load()
	res.errors = m.pubErrs.Load() + m.recvErrs.Load()
	m.finish()
	res.p50, res.p99 = percentile(m.lat, 0.50), percentile(m.lat, 0.99)
	return res, nil
}

// publish is publisher i: topics i, i+P, i+2P, ... in turn, each payload
// stamped with its send time, at cfg.rate/P per second or flat out.
func (m *measureRun) publish(ctx context.Context, i int) {
	defer m.pubs.Done()
	buf := make([]byte, measurePayloadSize)
	for j := range buf {
		buf[j] = 'x'
	}
	var interval time.Duration
	next := time.Now()
	if m.cfg.rate > 0 {
		interval = time.Second * time.Duration(m.cfg.publishers) / time.Duration(m.cfg.rate)
		next = next.Add(interval * time.Duration(i) / time.Duration(m.cfg.publishers))
	}
	topics := m.tg.topics
	for k := i; !m.stop.Load(); k += m.cfg.publishers {
		if interval > 0 {
			if d := time.Until(next); d > 0 {
				time.Sleep(d)
			} else if d < -100*time.Millisecond {
				next = time.Now() // too far behind: do not burst to catch up
			}
			next = next.Add(interval)
		}
		topic := topics[k%len(topics)]
		addr := m.tg.owner[topic]
		if m.cfg.mode == modePublishAny {
			addr = m.tg.primaries[m.rr.Add(1)%uint64(len(m.tg.primaries))]
		}
		putStamp(buf, m.now())
		var err error
		if m.cfg.mode == modeSPublish {
			err = m.tg.pub[addr].SPublish(ctx, topic, buf).Err()
		} else {
			err = m.tg.pub[addr].Publish(ctx, topic, buf).Err()
		}
		if err != nil {
			m.pubErrs.Add(1)
			continue
		}
		m.published.Add(1)
	}
}

// drain waits until every frame published arrived, or for 200 ms without
// progress (at most 10 s).
func (m *measureRun) drain() {
	want := m.published.Load() * int64(m.cfg.subscribers)
	last, lastAt := m.deliv.Load(), time.Now()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		n := m.deliv.Load()
		if n >= want {
			return
		}
		if n != last {
			last, lastAt = n, time.Now()
		} else if time.Since(lastAt) > 200*time.Millisecond {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// measureIdle is the CPU the nodes use in d without traffic (cluster
// cron, gossip), in CPU seconds per second, all nodes together.
func measureIdle(ctx context.Context, tg *measureTarget, d time.Duration) (float64, error) {
	cpu0, err := nodesCPU(ctx, tg)
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	time.Sleep(d)
	cpu1, err := nodesCPU(ctx, tg)
	if err != nil {
		return 0, err
	}
	var sum float64
	for addr, c := range cpu1 {
		sum += c - cpu0[addr]
	}
	return sum / time.Since(t0).Seconds(), nil
}

// putStamp writes ns as 20 decimal digits and a '|' at the start of buf.
func putStamp(buf []byte, ns int64) {
	for j := 19; j >= 0; j-- {
		buf[j] = byte('0' + ns%10)
		ns /= 10
	}
	buf[20] = '|'
}

// finish stops the publishers, closes the subscriptions and waits for
// every goroutine of the run.
func (m *measureRun) finish() {
	m.stop.Store(true)
	m.pubs.Wait()
	m.close()
	m.readers.Wait()
}

func (m *measureRun) close() {
	m.stop.Store(true)
	m.closing.Store(true)
	for _, ps := range m.pubsubs {
		_ = ps.Close()
	}
	for _, cl := range m.subClients {
		_ = cl.Close()
	}
	m.pubsubs, m.subClients = nil, nil
}
