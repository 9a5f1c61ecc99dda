package chatcore

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// requestTimeout bounds the handling of one request: a request that waits
// on a stalled Redis is answered 503 within it.
const requestTimeout = 5 * time.Second

// Conn is one websocket connection. Its reader goroutine (the one that
// called Hub.Serve) reads frames and runs their handlers in order; its
// writer goroutine is the only one that writes frames to the socket, from a
// bounded queue that everyone else appends to without waiting.
type Conn struct {
	hub    *Hub
	ws     *websocket.Conn
	id     string
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	wake       chan struct{} // a frame was queued, or the connection is closing
	readerDone chan struct{}
	writerDone chan struct{}
	cutOnce    sync.Once

	mu         sync.Mutex
	queue      []outFrame
	closing    bool   // no more frames are taken
	closeCode  int    // close frame the writer sends after the queue, 0 for none
	closeText  string //
	user       User
	signedIn   bool
	accessKey  string
	channel    Channel
	joined     bool
	joining    bool          // between subscribing and the join reply: live frames wait in pending
	pending    []outFrame    //
	lastOffset int64         // highest message offset sent on the joined channel
	waitFor    int64         // an offset a handler waits to see sent (its own message)
	waitDone   chan struct{} // closed when it is
}

// outFrame is a frame waiting for the writer: a prepared message shared by
// every receiver of a fan-out, or the bytes of a reply to this connection.
type outFrame struct {
	pm        *websocket.PreparedMessage
	data      []byte
	offset    int64 // message offset, for frames held during a join
	droppable bool
	created   int64 // a stored message's CreatedAt (Unix ns), for the delivery latency
}

func newConn(h *Hub, ws *websocket.Conn, id string, log *slog.Logger) *Conn {
	return &Conn{
		hub: h, ws: ws, id: id, log: log,
		wake:       make(chan struct{}, 1),
		readerDone: make(chan struct{}),
		writerDone: make(chan struct{}),
	}
}

// Log returns the connection's logger.
func (c *Conn) Log() *slog.Logger { return c.log }

// User returns the connection's user, if it is signed in.
func (c *Conn) User() (User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.user, c.signedIn
}

// AccessKey returns the access key the connection signed in with.
func (c *Conn) AccessKey() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.accessKey
}

func (c *Conn) serve(ctx context.Context, dispatch func(context.Context, *Conn, []byte)) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.ctx, c.cancel = ctx, cancel
	go c.writeLoop()
	hello := map[string]string{"sessionUUID": c.id}
	if c.hub.node.DataEpoch() == "" { // not read yet: Redis has just come up
		rctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		c.hub.node.readDataEpoch(rctx)
		cancel()
	}
	if e := c.hub.node.DataEpoch(); e != "" {
		hello["dataEpoch"] = e
	}
	ready, _ := Frame("ready", hello)
	c.Reply(ready)
	c.readLoop(dispatch)
	close(c.readerDone)

	c.mu.Lock()
	c.closing = true
	graceful := c.closeCode != 0
	c.mu.Unlock()
	if !graceful {
		c.cut()
	}
	c.signal()
	<-c.writerDone
	// Leaving and signing out tell Redis; bounded, so that a dead Redis
	// cannot hold a shutdown past Cloud Run's limit.
	cleanup, done := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer done()
	c.hub.remove(cleanup, c)
}

func (c *Conn) readLoop(dispatch func(context.Context, *Conn, []byte)) {
	cfg := c.hub.node.cfg
	pongWait := cfg.PingInterval * 5 / 2
	limit := newBucket(cfg.RateLimit, cfg.RateBurst)
	c.ws.SetPongHandler(func(string) error { return c.ws.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(pongWait))
		typ, r, err := c.ws.NextReader()
		if err != nil {
			c.log.Debug("websocket read ended", "err", err)
			return
		}
		// The limit is checked here rather than with SetReadLimit so that
		// the client gets the protocol's 413 before the 1009 close.
		data, err := io.ReadAll(io.LimitReader(r, int64(cfg.ReadLimit)+1))
		if err != nil {
			return
		}
		if len(data) > cfg.ReadLimit {
			c.Reply(ErrorFrame(CodeTooLarge, fmt.Sprintf("frame larger than %d bytes", cfg.ReadLimit), ""))
			c.closeWith(websocket.CloseMessageTooBig, "frame too large")
			return
		}
		if typ != websocket.TextMessage {
			c.Reply(ErrorFrame(CodeInvalid, "binary frames are not supported: send JSON text frames", ""))
			continue
		}
		c.hub.node.metrics.MessagesIn.Add(1)
		if !limit.take(time.Now()) {
			c.Reply(ErrorFrameFor(CodeRateLimited, "too many requests: slow down", data))
			continue
		}
		c.handle(dispatch, data)
	}
}

// handle runs one request. The handlers are written not to panic; this
// recover keeps a bug in one from taking the process down.
func (c *Conn) handle(dispatch func(context.Context, *Conn, []byte), data []byte) {
	ctx, cancel := context.WithTimeout(c.ctx, requestTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("handler panic", "panic", p, "stack", string(debug.Stack()))
			c.Reply(ErrorFrame(CodeInternal, "internal error", ""))
		}
	}()
	dispatch(ctx, c, data)
}

func (c *Conn) writeLoop() {
	defer close(c.writerDone)
	cfg := c.hub.node.cfg
	ping := time.NewTicker(cfg.PingInterval)
	defer ping.Stop()
	for {
		c.mu.Lock()
		frames, closing, code, text := c.queue, c.closing, c.closeCode, c.closeText
		c.queue = nil
		c.mu.Unlock()
		for _, f := range frames {
			if err := c.write(f); err != nil {
				c.log.Debug("websocket write failed", "err", err)
				c.cut()
				return
			}
		}
		if closing {
			if code != 0 {
				_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), deadline(cfg.WriteTimeout))
				select { // let the client answer the close, briefly
				case <-c.readerDone:
				case <-time.After(time.Second):
				}
			}
			c.cut()
			return
		}
		if len(frames) > 0 {
			select { // a client kept busy still gets its pings
			case <-ping.C:
				if !c.ping() {
					return
				}
			default:
			}
			continue
		}
		select {
		case <-c.wake:
		case <-ping.C:
			if !c.ping() {
				return
			}
		}
	}
}

// ping sends a ping; on failure it cuts the connection and returns false.
func (c *Conn) ping() bool {
	if err := c.ws.WriteControl(websocket.PingMessage, nil, deadline(c.hub.node.cfg.WriteTimeout)); err != nil {
		c.cut()
		return false
	}
	return true
}

func (c *Conn) write(f outFrame) error {
	_ = c.ws.SetWriteDeadline(deadline(c.hub.node.cfg.WriteTimeout))
	var err error
	if f.pm != nil {
		err = c.ws.WritePreparedMessage(f.pm)
	} else {
		err = c.ws.WriteMessage(websocket.TextMessage, f.data)
	}
	if observe := c.hub.node.metrics.Delivery; err == nil && f.created != 0 && observe != nil {
		observe(time.Duration(time.Now().UnixNano() - f.created))
	}
	return err
}

func deadline(d time.Duration) time.Time { return time.Now().Add(d) }

func (c *Conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// cut closes the socket at once.
func (c *Conn) cut() { c.cutOnce.Do(func() { _ = c.ws.Close() }) }

// abort cancels the request in progress (one stuck on Redis, say) and
// cuts the socket: the end of a shutdown that ran out of time.
func (c *Conn) abort() {
	if c.cancel != nil {
		c.cancel()
	}
	c.cut()
}

// closeWith sends what is queued, then a close frame with code, then ends
// the connection.
func (c *Conn) closeWith(code int, text string) {
	c.mu.Lock()
	if !c.closing {
		c.closing, c.closeCode, c.closeText = true, code, text
	}
	c.releaseWaiterLocked()
	c.mu.Unlock()
	c.signal()
}

// dropSlow disconnects a client that cannot keep up: queued frames are
// dropped and a close frame 1013 is tried briefly. It never waits.
func (c *Conn) dropSlow() {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing, c.queue, c.pending = true, nil, nil
	c.releaseWaiterLocked()
	c.mu.Unlock()
	c.hub.node.metrics.SlowDisconnects.Add(1)
	c.log.Info("disconnecting slow client", "queue", c.hub.node.cfg.SendQueue)
	go func() {
		_ = c.ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseTryAgainLater, "too slow: reconnect and rejoin with since"), deadline(time.Second))
		c.cut()
	}()
}
