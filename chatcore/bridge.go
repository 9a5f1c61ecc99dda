package chatcore

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// bridge is the process's one Redis pub/sub connection, multiplexed over
// every topic its connections need. Topics are reference counted: the first
// Subscribe sends SUBSCRIBE and waits for Redis to confirm it (so a reader
// that then reads history cannot miss a message published in between), the
// last Unsubscribe sends UNSUBSCRIBE.
//
// When the connection drops, run makes a new one, subscribes every topic
// again and, once each is confirmed, calls onResubscribe so the hub can fetch
// from the store what was published during the gap.
type bridge struct {
	rdb           redis.UniversalClient
	log           *slog.Logger
	metrics       *Metrics
	onMessage     func(topic string, payload []byte)
	onResubscribe func(topic string)
	pingEvery     time.Duration

	mu     sync.Mutex
	ps     *redis.PubSub
	topics map[string]*topicState
}

type topicState struct {
	refs       int
	subscribed bool          // SUBSCRIBE sent on the current connection and no UNSUBSCRIBE since
	pending    int           // confirmations still expected
	ready      chan struct{} // closed when the last SUBSCRIBE sent is confirmed
	resync     bool          // confirmed before a reconnect: fill the gap when confirmed again
}

func newBridge(rdb redis.UniversalClient, log *slog.Logger, m *Metrics) *bridge {
	return &bridge{rdb: rdb, log: log, metrics: m, pingEvery: 15 * time.Second, topics: map[string]*topicState{}}
}

// Subscribe adds a reference to topic and returns once Redis has confirmed
// the subscription (at once when it already had).
func (b *bridge) Subscribe(ctx context.Context, topic string) error {
	b.mu.Lock()
	st := b.topics[topic]
	if st == nil {
		st = &topicState{}
		b.topics[topic] = st
	}
	st.refs++
	if !st.subscribed {
		st.subscribed = true
		st.pending++
		if st.ready == nil || isClosed(st.ready) {
			st.ready = make(chan struct{})
		}
		if b.ps != nil {
			// An error here means the connection is broken: run sees it
			// too, reconnects and subscribes every topic again.
			if err := b.ps.Subscribe(ctx, topic); err != nil {
				b.log.Debug("pubsub subscribe", "topic", topic, "err", err)
			}
		}
	}
	ready := st.ready
	b.mu.Unlock()
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
		b.Unsubscribe(topic)
		return ctx.Err()
	}
}

// Unsubscribe drops a reference to topic.
func (b *bridge) Unsubscribe(topic string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.topics[topic]
	if st == nil {
		return
	}
	st.refs--
	if st.refs > 0 {
		return
	}
	st.subscribed = false
	st.resync = false
	if b.ps != nil {
		if err := b.ps.Unsubscribe(context.Background(), topic); err != nil {
			b.log.Debug("pubsub unsubscribe", "topic", topic, "err", err)
		}
	}
}

// run reads the pub/sub connection until ctx ends, reconnecting with backoff.
func (b *bridge) run(ctx context.Context) {
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
		b.log.Warn("pubsub connection lost, reconnecting", "err", err)
		if time.Since(start) > 10*time.Second {
			backoff = 50 * time.Millisecond
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 3*time.Second)
	}
	b.mu.Lock()
	b.ps = nil
	b.mu.Unlock()
}

// connect makes a new pub/sub connection and subscribes every live topic.
func (b *bridge) connect(ctx context.Context) *redis.PubSub {
	b.mu.Lock()
	defer b.mu.Unlock()
	ps := b.rdb.Subscribe(ctx)
	if ctx.Err() != nil {
		_ = ps.Close() // stopped meanwhile: receive fails at once
	}
	b.ps = ps
	var topics []string
	for name, st := range b.topics {
		if st.refs == 0 {
			delete(b.topics, name)
			continue
		}
		topics = append(topics, name)
		st.subscribed = true
		st.pending = 1
		if isClosed(st.ready) {
			st.resync = true
		}
	}
	if len(topics) > 0 {
		if err := ps.Subscribe(ctx, topics...); err != nil {
			b.log.Debug("pubsub resubscribe", "topics", len(topics), "err", err)
		}
	}
	return ps
}

// receive handles what ps reads until it fails. Silence is checked with a
// PING: a connection that answers nothing for two periods is dead.
func (b *bridge) receive(ctx context.Context, ps *redis.PubSub) error {
	pinged := false
	for {
		msg, err := ps.ReceiveTimeout(ctx, b.pingEvery)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && !pinged && ctx.Err() == nil {
				pinged = true
				if err := ps.Ping(ctx); err != nil {
					return err
				}
				continue
			}
			return err
		}
		pinged = false
		switch m := msg.(type) {
		case *redis.Message:
			b.onMessage(m.Channel, []byte(m.Payload))
		case *redis.Subscription:
			switch m.Kind {
			case "subscribe":
				b.confirmed(m.Channel)
			case "unsubscribe":
				b.unsubscribed(m.Channel)
			}
		}
	}
}

func (b *bridge) confirmed(topic string) {
	b.mu.Lock()
	st := b.topics[topic]
	if st == nil {
		b.mu.Unlock()
		return
	}
	if st.pending > 0 {
		st.pending--
	}
	resync := false
	if st.pending == 0 && st.subscribed {
		if !isClosed(st.ready) {
			close(st.ready)
		}
		resync, st.resync = st.resync, false
	}
	b.mu.Unlock()
	if resync {
		b.onResubscribe(topic)
	}
}

func (b *bridge) unsubscribed(topic string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if st := b.topics[topic]; st != nil && st.refs == 0 && st.pending == 0 {
		delete(b.topics, topic)
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

func isClosed(c chan struct{}) bool {
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
