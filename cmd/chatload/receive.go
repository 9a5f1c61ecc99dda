package main

import (
	"bytes"
	"time"
)

// onFrame counts one frame read at now (nanoseconds since the run
// started). It runs on the client's reader goroutine for every frame, so it
// decodes nothing but an error frame: a message gives its Offset and
// ClientID by a scan.
func (c *client) onFrame(data []byte, now int64) {
	switch {
	case bytes.HasPrefix(data, messagePrefix):
		c.onMessage(data, now)
	case bytes.HasPrefix(data, errorPrefix):
		c.onError(parseError(data))
	default:
		c.shard.pushes.Add(1)
	}
}

func (c *client) onMessage(data []byte, now int64) {
	sh := c.shard
	sh.delivered.Add(1)
	if off, ok := firstInt(data, offsetKey); ok {
		c.track.see(off)
		c.last.Store(c.track.last)
	}
	from, sent, ok := parseClientID(messageClientID(data), c.l.runID)
	if !ok {
		sh.untimed.Add(1)
		return
	}
	sh.latency.record(time.Duration(now - sent))
	if from == c.idx && c.sender != nil {
		c.sender.ack(true)
	}
}

func (c *client) onError(e *frameError) {
	c.stats.frameErr(e)
	if c.sender == nil || e.ClientID == "" {
		return
	}
	if from, _, ok := parseClientID([]byte(e.ClientID), c.l.runID); ok && from == c.idx {
		c.sender.ack(false)
	}
}
