package chatcore

import (
	"context"
	"time"

	"github.com/gorilla/websocket"
)

// onPublish fans a payload the bridge read out to the local connections it
// is for. It runs on the bridge's goroutine and never blocks on a client.
func (h *Hub) onPublish(topic string, payload []byte) {
	hdr, frame, ok := parsePayload(payload)
	if !ok {
		h.node.log.Error("bridge: malformed payload", "topic", topic, "bytes", len(payload))
		return
	}
	h.deliver(topic, hdr, frame)
}

// deliver fans frame out to the local connections topic feeds, as hdr says.
func (h *Hub) deliver(topic string, hdr header, frame []byte) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	target, ok := h.topics[topic]
	if !ok {
		return // unsubscribed meanwhile
	}
	var pm *websocket.PreparedMessage
	prepared := func() *websocket.PreparedMessage {
		if pm == nil {
			pm, _ = websocket.NewPreparedMessage(websocket.TextMessage, frame) // fails only on bad message types
		}
		return pm
	}
	switch target.kind {
	case topicChannel:
		hc := h.channels[target.id]
		if hc == nil {
			return
		}
		if hdr.offset > 0 {
			hc.raise(hdr.offset)
		}
		for c := range hc.conns {
			c.pushChannel(target.id, hdr, prepared)
		}
	case topicUser:
		if hu := h.users[target.id]; hu != nil {
			for c := range hu.conns {
				c.pushUser(hdr, prepared)
			}
		}
	case topicBroadcast:
		for _, hu := range h.users {
			for c := range hu.conns {
				c.push(outFrame{pm: prepared(), droppable: hdr.droppable})
			}
		}
	}
}

// onResubscribe runs after the bridge's connection was made again: what was
// published to a channel during the gap is read from the store and fanned
// out like a live message; connections drop what they already have by
// offset.
func (h *Hub) onResubscribe(topic string) {
	h.mu.RLock()
	target, ok := h.topics[topic]
	var after int64
	synced := false
	if ok && target.kind == topicChannel {
		if hc := h.channels[target.id]; hc != nil {
			after, synced = hc.last.Load(), hc.synced.Load()
		}
	}
	h.mu.RUnlock()
	if !synced {
		return // not a channel, or one whose joins read its history after this
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msgs, offsets, last, err := h.node.store.MessagesAfter(ctx, target.id, after, h.node.cfg.RecoveryLimit)
	if err != nil {
		h.node.metrics.RedisErrors.Add(1)
		h.node.log.Warn("bridge: gap fill failed", "channel", target.id, "after", after, "err", err)
		return
	}
	if last < after {
		// Offsets went back: Redis lost the channel. Connections would drop
		// the new messages as already seen, so they are asked to reconnect
		// and rejoin, which gives them the store's state as it is now.
		h.node.log.Warn("bridge: channel offsets went back (Redis lost data): reconnecting its clients", "channel", target.id, "had", after, "now", last)
		h.resetChannel(target.id, last)
		return
	}
	for i, m := range msgs {
		frame, _ := Frame("channelMessage", m)
		h.deliver(topic, header{offset: offsets[i]}, frame)
	}
	if len(msgs) > 0 {
		h.node.log.Info("bridge: filled gap after reconnect", "channel", target.id, "messages", len(msgs))
	}
}

// resetChannel takes the channel's offsets back to last and closes every
// local connection joined to it with 1012, so that its clients rejoin.
func (h *Hub) resetChannel(channelID string, last int64) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if hc := h.channels[channelID]; hc != nil {
		hc.last.Store(last)
		for c := range hc.conns {
			c.closeWith(websocket.CloseServiceRestart, "chat data was reset: reconnect")
		}
	}
}
