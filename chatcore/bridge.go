package chatcore

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// bridge is the process's one Redis pub/sub connection, multiplexed over
// every topic its connections need. Topics are reference counted.
// Subscribe and Unsubscribe only change counts in memory and wake the
// bridge's command goroutine, the only one that sends SUBSCRIBE and
// UNSUBSCRIBE (in batches), so no caller ever waits on the network.
//
// Every time Redis confirms a subscription (the first time, and again after
// the connection was made anew) the bridge calls onConfirmed: what was
// published before the confirmation may be missing, and the hub catches up
// from the store.
type bridge struct {
	rdb         redis.UniversalClient
	log         *slog.Logger
	metrics     *Metrics
	onMessage   func(topic string, payload []byte)
	onConfirmed func(topic string)
	pingEvery   time.Duration
	// homeKey names the slot whose primary a cluster's subscriber
	// connection is made on (home.go).
	homeKey string

	kick chan struct{} // topics changed, or a new connection needs them all

	mu     sync.Mutex
	ps     *redis.PubSub
	topics map[string]*topicState
}

type topicState struct {
	refs    int
	sent    bool          // SUBSCRIBE sent on the current connection and no UNSUBSCRIBE since
	pending int           // confirmations still expected on the current connection
	ready   chan struct{} // closed when the last SUBSCRIBE sent is confirmed
}

func newBridge(rdb redis.UniversalClient, log *slog.Logger, m *Metrics, homeKey string) *bridge {
	return &bridge{
		rdb: rdb, log: log, metrics: m, pingEvery: 15 * time.Second, homeKey: homeKey,
		kick: make(chan struct{}, 1), topics: map[string]*topicState{},
	}
}

// Subscribe adds a reference to topic. The returned channel is closed once
// Redis has confirmed the subscription (at once when it already had).
func (b *bridge) Subscribe(topic string) <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.topics[topic]
	if st == nil {
		st = &topicState{ready: make(chan struct{})}
		b.topics[topic] = st
	}
	st.refs++
	if !st.sent {
		b.wake()
	}
	return st.ready
}

// Unsubscribe drops a reference to topic.
func (b *bridge) Unsubscribe(topic string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if st := b.topics[topic]; st != nil && st.refs > 0 {
		st.refs--
		if st.refs == 0 {
			b.wake()
		}
	}
}

func (b *bridge) wake() {
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// run reads the pub/sub connection until ctx ends, reconnecting with
// backoff, and runs the command goroutine beside it.
func (b *bridge) run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); b.commands(ctx) }()
	defer wg.Wait()
	// A blocked receive does not watch ctx: closing the connection ends it.
	stop := context.AfterFunc(ctx, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.ps != nil {
			_ = b.ps.Close()
		}
	})
	defer stop()
	backoff := 50 * time.Millisecond
	for first := true; ctx.Err() == nil; first = false {
		if !first {
			b.metrics.PubSubReconnects.Add(1)
		}
		ps := b.connect(ctx)
		start := time.Now()
		err := b.receive(ctx, ps)
		_ = ps.Close()
		if ctx.Err() != nil {
			break
		}
		b.metrics.RedisErrors.Add(1)
		b.log.Warn("pubsub connection lost, reconnecting", "err", err, "after", time.Since(start).Round(time.Millisecond).String())
		if time.Since(start) > time.Second { // it worked for a while: retry fast
			backoff = 50 * time.Millisecond
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 2*time.Second)
	}
	b.mu.Lock()
	b.ps = nil
	b.mu.Unlock()
}

// connect makes a new pub/sub connection; the command goroutine subscribes
// every live topic on it.
func (b *bridge) connect(ctx context.Context) *redis.PubSub {
	home := b.home(ctx)
	b.mu.Lock()
	defer b.mu.Unlock()
	ps := home.Subscribe(ctx)
	if ctx.Err() != nil {
		_ = ps.Close() // stopped meanwhile: receive fails at once
	}
	b.ps = ps
	for name, st := range b.topics {
		if st.refs == 0 {
			delete(b.topics, name)
			continue
		}
		st.sent, st.pending = false, 0
		if isClosed(st.ready) {
			st.ready = make(chan struct{})
		}
	}
	b.wake()
	return ps
}

// commands sends what the topics' counts ask for: SUBSCRIBE for topics
// with references not yet sent, UNSUBSCRIBE for topics without any.
func (b *bridge) commands(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.kick:
		}
		b.mu.Lock()
		ps := b.ps
		var subs, unsubs []string
		if ps != nil {
			for name, st := range b.topics {
				switch {
				case st.refs > 0 && !st.sent:
					st.sent = true
					st.pending++
					subs = append(subs, name)
				case st.refs == 0 && st.sent:
					st.sent = false
					unsubs = append(unsubs, name)
				}
			}
		}
		b.mu.Unlock()
		// An error here means the connection is broken: receive sees it
		// too, and connect sends every topic again on the new one.
		for len(subs) > 0 {
			n := min(len(subs), 500)
			if err := ps.Subscribe(ctx, subs[:n]...); err != nil {
				b.log.Debug("pubsub subscribe", "topics", n, "err", err)
			}
			subs = subs[n:]
		}
		for len(unsubs) > 0 {
			n := min(len(unsubs), 500)
			if err := ps.Unsubscribe(ctx, unsubs[:n]...); err != nil {
				b.log.Debug("pubsub unsubscribe", "topics", n, "err", err)
			}
			unsubs = unsubs[n:]
		}
	}
}

// topicCount returns how many topics the bridge holds a subscription for.
func (b *bridge) topicCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, st := range b.topics {
		if st.refs > 0 {
			n++
		}
	}
	return n
}

// confirmedCount returns how many topics with references Redis has
// confirmed on the current connection.
func (b *bridge) confirmedCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, st := range b.topics {
		if st.refs > 0 && isClosed(st.ready) {
			n++
		}
	}
	return n
}

func isClosed(c <-chan struct{}) bool {
	if c == nil {
		return false
	}
	select {
	case <-c:
		return true
	default:
		return false
	}
}
