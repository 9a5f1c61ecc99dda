package faulttest

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The subscriber instances of TestMeasureClusterPubSub.

// subscribe makes instance i's connections: one SUBSCRIBE connection to a
// primary, or for SPUBLISH one SSUBSCRIBE connection per slot owner.
func (m *measureRun) subscribe(ctx context.Context, i int) error {
	groups := map[string][]string{}
	if m.cfg.mode == modeSPublish {
		for _, tp := range m.tg.topics {
			groups[m.tg.owner[tp]] = append(groups[m.tg.owner[tp]], tp)
		}
	} else {
		groups[m.tg.primaries[i%len(m.tg.primaries)]] = m.tg.topics
	}
	for addr, topics := range groups {
		cl := redis.NewClient(&redis.Options{
			Addr: addr, PoolSize: 1, DialTimeout: time.Second,
			ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second,
		})
		m.subClients = append(m.subClients, cl)
		var ps *redis.PubSub
		if m.cfg.mode == modeSPublish {
			// SSUBSCRIBE takes channels of one slot only (CROSSSLOT
			// otherwise, even when one node owns every slot named).
			bySlot := map[int][]string{}
			for _, tp := range topics {
				bySlot[m.tg.slot[tp]] = append(bySlot[m.tg.slot[tp]], tp)
			}
			for _, group := range bySlot {
				if ps == nil {
					ps = cl.SSubscribe(ctx, group...)
				} else if err := ps.SSubscribe(ctx, group...); err != nil {
					return fmt.Errorf("instance %d on %s: SSUBSCRIBE: %w", i, addr, err)
				}
			}
		} else {
			ps = cl.Subscribe(ctx, topics...)
		}
		m.pubsubs = append(m.pubsubs, ps)
		for range topics {
			msg, err := ps.ReceiveTimeout(ctx, 5*time.Second)
			if err != nil {
				return fmt.Errorf("instance %d on %s: subscription not confirmed: %w", i, addr, err)
			}
			if _, ok := msg.(*redis.Subscription); !ok {
				return fmt.Errorf("instance %d on %s: %T before the confirmations", i, addr, msg)
			}
		}
	}
	return nil
}

// read counts the messages of one pub/sub connection and keeps the
// latencies of those sent in the window.
func (m *measureRun) read(ps *redis.PubSub) {
	defer m.readers.Done()
	var lat []int64
	defer func() {
		m.mu.Lock()
		m.lat = append(m.lat, lat...)
		m.mu.Unlock()
	}()
	ctx := context.Background()
	for {
		msg, err := ps.Receive(ctx)
		if err != nil {
			if m.closing.Load() {
				return
			}
			m.recvErrs.Add(1)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		mm, ok := msg.(*redis.Message)
		if !ok {
			continue
		}
		now := m.now()
		m.deliv.Add(1)
		if len(mm.Payload) < 20 {
			continue
		}
		sent, err := strconv.ParseInt(mm.Payload[:20], 10, 64)
		if err == nil && sent >= m.winStart.Load() && sent < m.winEnd.Load() {
			lat = append(lat, now-sent)
		}
	}
}
