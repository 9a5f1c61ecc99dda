package chatcore

import (
	"context"
	"errors"
	"net"

	"github.com/redis/go-redis/v9"
)

// The bridge's reader side: what the pub/sub connection reads, and the
// subscriptions Redis confirms or ends.

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
	done := st.pending == 0 && st.sent
	if done && !isClosed(st.ready) {
		close(st.ready)
	}
	b.mu.Unlock()
	if done {
		b.onConfirmed(topic)
	}
}

func (b *bridge) unsubscribed(topic string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if st := b.topics[topic]; st != nil && st.refs == 0 && !st.sent && st.pending == 0 {
		delete(b.topics, topic)
	}
}
