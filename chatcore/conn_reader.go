package chatcore

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"time"

	"github.com/gorilla/websocket"
)

// The reader side of a connection: its one reader goroutine reads frames,
// rate-limits them and runs each request's handler in order.

// readLoop reads frames until the socket ends. It is where an idle
// connection's goroutine waits, so its frame is kept small (the stack of
// a goroutine is shrunk only while it uses under a quarter of it): the
// work on a frame is in take.
func (c *Conn) readLoop(dispatch func(context.Context, *Conn, []byte)) {
	limit := c.startReading()
	for {
		typ, r, err := c.ws.NextReader()
		if err != nil || !c.take(dispatch, limit, typ, r) {
			c.readEnded(err)
			return
		}
	}
}

// startReading sets the read deadline, which each pong extends, and returns
// the connection's rate limit.
func (c *Conn) startReading() *bucket {
	cfg := c.hub.node.cfg
	limit := newBucket(cfg.RateLimit, cfg.RateBurst)
	c.ws.SetPongHandler(func(string) error { c.extendRead(); return nil })
	c.extendRead()
	return &limit
}

// extendRead gives the client until 2.5 ping intervals from now to send
// its next frame or pong.
func (c *Conn) extendRead() {
	_ = c.ws.SetReadDeadline(time.Now().Add(c.hub.node.cfg.PingInterval * 5 / 2))
}

// readEnded logs why reading stopped.
func (c *Conn) readEnded(err error) {
	if err != nil {
		c.log.Debug("websocket read ended", "err", err)
	}
}

// take reads one frame and handles it; false ends the connection.
func (c *Conn) take(dispatch func(context.Context, *Conn, []byte), limit *bucket, typ int, r io.Reader) bool {
	if !c.process(dispatch, limit, typ, r) {
		return false
	}
	c.extendRead()
	return true
}

// process reads one frame and handles it; false ends the connection.
func (c *Conn) process(dispatch func(context.Context, *Conn, []byte), limit *bucket, typ int, r io.Reader) bool {
	cfg := c.hub.node.cfg
	// The limit is checked here rather than with SetReadLimit so that
	// the client gets the protocol's 413 before the 1009 close.
	data, err := io.ReadAll(io.LimitReader(r, int64(cfg.ReadLimit)+1))
	if err != nil {
		return false
	}
	if len(data) > cfg.ReadLimit {
		c.Reply(ErrorFrame(CodeTooLarge, fmt.Sprintf("frame larger than %d bytes", cfg.ReadLimit), ""))
		c.closeWith(websocket.CloseMessageTooBig, "frame too large")
		return false
	}
	if typ != websocket.TextMessage {
		c.Reply(ErrorFrame(CodeInvalid, "binary frames are not supported: send JSON text frames", ""))
		return true
	}
	c.hub.node.metrics.MessagesIn.Add(1)
	if now := time.Now(); !limit.take(now) {
		c.Reply(ErrorFrameFor(CodeRateLimited, "too many requests: slow down", data))
		return !c.Refused(now)
	}
	c.handle(dispatch, data)
	return true
}

// handle runs one request on a goroutine of its own and waits for it, so
// that requests keep their order and the long-lived reader's stack never
// grows with what a handler does (bcrypt, JSON, Redis): the handler's
// stack is freed when it returns.
func (c *Conn) handle(dispatch func(context.Context, *Conn, []byte), data []byte) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.run(dispatch, data)
	}()
	<-done
}

// run runs one request. The handlers are written not to panic; this
// recover keeps a bug in one from taking the process down.
func (c *Conn) run(dispatch func(context.Context, *Conn, []byte), data []byte) {
	ctx, cancel := context.WithTimeout(c.ctx, requestTimeout)
	defer cancel()
	c.mu.Lock()
	if c.aborted {
		cancel()
	}
	c.cancelRequest = cancel
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.cancelRequest = nil
		c.mu.Unlock()
	}()
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("handler panic", "panic", p, "stack", string(debug.Stack()))
			c.Reply(ErrorFrame(CodeInternal, "internal error", ""))
		}
	}()
	dispatch(ctx, c, data)
}
