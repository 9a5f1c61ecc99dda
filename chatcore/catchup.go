package chatcore

import (
	"context"
	"time"
)

// fill reads channelID's stream after pos (in epoch) for the catch-up gen and hands
// it to the channel's worker. It retries until the read succeeds (Redis
// may be restarting, loading its data or failing over), the channel's
// catch-up is no longer gen, or the node stops.
func (h *Hub) fill(s *shard, channelID string, gen uint64, pos int64, epoch string) {
	backoff := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(h.ctx, 5*time.Second)
		st, err := h.node.store.ReadAfter(ctx, channelID, pos, h.node.cfg.RecoveryLimit)
		if err == nil && st.Epoch != epoch {
			// The stream is new: maybe all of Redis is. Clients asked to
			// rejoin must find the data epoch of the Redis they come back to.
			h.node.readDataEpoch(ctx)
		}
		cancel()
		if err == nil {
			s.send(job{kind: jobFilled, topic: topicChannel, id: channelID, gen: gen, stream: st})
			return
		}
		if h.ctx.Err() != nil || !s.catchingUp(channelID, gen) {
			return
		}
		h.node.metrics.RedisErrors.Add(1)
		if attempt == 1 || attempt%20 == 0 {
			h.node.log.Warn("catch-up read failed, retrying", "channel", channelID, "after", pos, "attempt", attempt, "err", err)
		}
		select {
		case <-h.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

// catchingUp reports whether channelID's catch-up in flight is gen.
func (s *shard) catchingUp(channelID string, gen uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	hc := s.channels[channelID]
	return hc != nil && hc.filling && hc.gen == gen
}

// replaceEpoch gives channelID's stream a new epoch (retrying while Redis
// fails), then has the channel's worker ask its members to rejoin.
func (h *Hub) replaceEpoch(s *shard, channelID, old string) {
	backoff := 50 * time.Millisecond
	for attempt := 1; attempt <= 10; attempt++ {
		ctx, cancel := context.WithTimeout(h.ctx, 5*time.Second)
		_, err := h.node.store.ReplaceEpoch(ctx, channelID, old)
		cancel()
		if err == nil || h.ctx.Err() != nil {
			break
		}
		h.node.log.Warn("replace epoch failed, retrying", "channel", channelID, "err", err)
		select {
		case <-h.ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 2*time.Second)
	}
	s.send(job{kind: jobReset, topic: topicChannel, id: channelID})
}

// position is what a check compares with the store.
type position struct {
	channelID string
	epoch     string
	pos       int64
	sum       uint64 // of the message delivered at pos, 0 when not remembered
}

// positions returns the positions of the shard's channels that are synced
// and not catching up.
func (s *shard) positions() []position {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]position, 0, len(s.channels))
	for _, hc := range s.channels {
		if !hc.synced || hc.filling {
			continue
		}
		p := position{channelID: hc.id, epoch: hc.epoch, pos: hc.pos}
		if d := hc.recent[hc.pos%recentSize]; d.offset == hc.pos && hc.pos > 0 {
			p.sum = d.sum
		}
		out = append(out, p)
	}
	return out
}

// checkPositions compares every local channel's position with its stream
// in Redis, in pipelined batches, and catches up those behind or changed:
// a pub/sub connection that went silent without anyone noticing loses
// nothing for longer than POSITION_CHECK.
func (h *Hub) checkPositions(ctx context.Context) error {
	const batch = 200
	var all []position
	for _, s := range h.shards {
		all = append(all, s.positions()...)
	}
	for len(all) > 0 {
		n := min(len(all), batch)
		tops, err := h.node.store.Tops(ctx, all[:n])
		if err != nil {
			return err
		}
		for i, p := range all[:n] {
			t := tops[i]
			if t.Epoch != p.epoch || t.Last != p.pos || p.sum != 0 && t.At != nil && frameSum(messageFrame(t.At)) != p.sum {
				h.resyncChannel(p.channelID)
			}
		}
		all = all[n:]
	}
	return nil
}
