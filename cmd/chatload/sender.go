package main

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// sender sends one client's messages: paced to its share of -rate, or each
// as soon as a window slot is free (a slot frees when the message comes
// back on the sender's own connection, or an error frame names it).
type sender struct {
	c      *client
	n      int           // messages to send; 0: until stopped
	every  time.Duration // pacing interval; 0: none
	phase  time.Duration // offset of its first send, to spread the senders
	slots  chan struct{} // nil: no window
	sent   atomic.Int64
	acked  atomic.Int64 // came back on its own connection
	failed atomic.Int64 // an error frame named it
	dead   chan struct{}
	once   sync.Once
}

func newSender(c *client, n, window int, every, phase time.Duration) *sender {
	s := &sender{c: c, n: n, every: every, phase: phase, dead: make(chan struct{})}
	if window > 0 {
		s.slots = make(chan struct{}, window)
		for range window {
			s.slots <- struct{}{}
		}
	}
	return s
}

// ack frees a slot for a message that came back (ok) or failed.
func (s *sender) ack(ok bool) {
	if ok {
		s.acked.Add(1)
	} else {
		s.failed.Add(1)
	}
	if s.slots != nil {
		select {
		case s.slots <- struct{}{}:
		default: // a duplicate: counted by the offsets
		}
	}
}

// stop ends the sender when its connection is gone.
func (s *sender) stop() { s.once.Do(func() { close(s.dead) }) }

// unacked is how many of its messages neither came back nor failed.
func (s *sender) unacked() int64 { return s.sent.Load() - s.acked.Load() - s.failed.Load() }

// messageFrameHead returns the start of every frame the client sends, up to
// the clientID's value.
func messageFrameHead(recipient string, size int) []byte {
	var b strings.Builder
	b.WriteString(`{"type":"channelMessage","channelMessage":{"recipientUUID":"`)
	b.WriteString(recipient)
	b.WriteString(`","message":"`)
	b.WriteString(strings.Repeat("x", size))
	b.WriteString(`","clientID":"`)
	return []byte(b.String())
}

// run sends until n messages are sent, ctx is done or the connection is
// gone. Only this goroutine writes the connection (pongs and the final
// close are control frames, which gorilla allows beside it).
func (s *sender) run(ctx context.Context) {
	l := s.c.l
	head := messageFrameHead(s.c.recipient, l.opts.size)
	frame := make([]byte, 0, len(head)+64)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	start := time.Duration(l.now()) + s.phase
	for seq := 0; s.n == 0 || seq < s.n; seq++ {
		if s.every > 0 {
			due := start + time.Duration(seq)*s.every
			if wait := due - time.Duration(l.now()); wait > 0 {
				timer.Reset(wait)
				select {
				case <-timer.C:
				case <-ctx.Done():
					return
				case <-s.dead:
					return
				}
			}
		}
		if s.slots != nil {
			select {
			case <-s.slots:
			case <-ctx.Done():
				return
			case <-s.dead:
				return
			}
		}
		frame = append(frame[:0], head...)
		frame = appendClientID(frame, l.runID, s.c.idx, seq, l.now())
		frame = append(frame, `"}}`...)
		s.sent.Add(1) // before the write: the echo may be read before it returns
		if err := s.c.conn.WriteMessage(websocket.TextMessage, frame); err != nil {
			s.sent.Add(-1)
			return
		}
	}
}
