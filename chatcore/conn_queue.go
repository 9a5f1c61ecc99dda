package chatcore

import "github.com/gorilla/websocket"

// Reply queues a frame for this connection.
func (c *Conn) Reply(frame []byte) { c.push(outFrame{data: frame}) }

// push queues f; a full queue drops f when it is droppable and the client
// otherwise. Droppable frames (typing) also give way once the queue is half
// full.
func (c *Conn) push(f outFrame) {
	c.mu.Lock()
	ok := c.enqueueLocked(f)
	c.mu.Unlock()
	c.after(ok)
}

// enqueueLocked appends f to the queue; false means the client is too slow.
func (c *Conn) enqueueLocked(f outFrame) bool {
	if c.closing {
		return true
	}
	limit := c.hub.node.cfg.SendQueue
	if f.droppable && len(c.queue) >= limit/2 {
		c.hub.node.metrics.QueueDrops.Add(1)
		return true
	}
	if len(c.queue) >= limit {
		return false
	}
	c.queue = append(c.queue, f)
	c.hub.node.metrics.MessagesOut.Add(1)
	return true
}

func (c *Conn) after(ok bool) {
	if ok {
		c.signal()
	} else {
		c.dropSlow()
	}
}

// pushChannel queues a frame published on channelID, if this connection is
// joined to it and is not to be skipped. Message frames are sent once each:
// an offset at or below the last one sent is dropped; during a join they
// wait until the join reply is queued.
func (c *Conn) pushChannel(channelID string, h header, pm *websocket.PreparedMessage) {
	c.mu.Lock()
	if c.closing || !c.joined || c.channel.ID != channelID || h.skipUser != "" && c.signedIn && c.user.UUID == h.skipUser {
		c.mu.Unlock()
		return
	}
	f := outFrame{pm: pm, offset: h.offset, droppable: h.droppable, created: h.created}
	ok := true
	switch {
	case c.joining:
		if len(c.pending) >= c.hub.node.cfg.SendQueue {
			ok = false
		} else {
			c.pending = append(c.pending, f)
		}
	case h.offset > 0 && h.offset <= c.lastOffset:
	default:
		if h.offset > 0 {
			c.sentLocked(h.offset)
		}
		ok = c.enqueueLocked(f)
	}
	c.mu.Unlock()
	c.after(ok)
}

// sentLocked records that the message at offset is queued for the client.
func (c *Conn) sentLocked(offset int64) {
	c.lastOffset = offset
	if c.waitDone != nil && offset >= c.waitFor {
		close(c.waitDone)
		c.waitDone = nil
	}
}

// releaseWaiterLocked ends a handler's wait for its own message: the
// connection is closing and will not be sent it.
func (c *Conn) releaseWaiterLocked() {
	if c.waitDone != nil {
		close(c.waitDone)
		c.waitDone = nil
	}
}

// pushUser queues a frame published for this connection's user, unless the
// connection is joined to the channel the frame skips, or is the one it
// skips.
func (c *Conn) pushUser(h header, pm *websocket.PreparedMessage) {
	c.mu.Lock()
	if h.skipChannel != "" && c.joined && c.channel.ID == h.skipChannel || h.skipSession == c.id ||
		h.skipChannel != "" && h.skipChannel == c.left && h.offset > 0 && h.offset <= c.leftOffset {
		c.mu.Unlock()
		return
	}
	ok := c.enqueueLocked(outFrame{pm: pm, droppable: h.droppable})
	c.mu.Unlock()
	c.after(ok)
}
