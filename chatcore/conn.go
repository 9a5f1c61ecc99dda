package chatcore

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// requestTimeout bounds the handling of one request: a request that waits
// on a stalled Redis is answered 503 within it.
const requestTimeout = 5 * time.Second

// Conn is one websocket connection. Its reader goroutine (the one that
// called Hub.Serve) reads frames and runs their handlers in order; a writer
// goroutine, started while there is something to send (conn_writer.go), is
// the only one that writes frames to the socket, from a bounded queue that
// everyone else appends to without waiting.
type Conn struct {
	hub *Hub
	ws  *websocket.Conn
	id  string
	log *slog.Logger
	ctx context.Context // the one Serve was given: each request derives its own

	readerDone chan struct{}
	writerDone chan struct{} // closed when the last writer has cut the socket
	cutOnce    sync.Once

	mu            sync.Mutex
	cancelRequest context.CancelFunc // ends the request in progress
	aborted       bool               // requests are cancelled as they start
	queue         []outFrame
	writing       bool        // a writer goroutine runs
	finished      bool        // the last writer is done: none starts again
	pingDue       bool        // the ping timer fired: the writer sends a ping
	pinger        *time.Timer //
	closing       bool        // no more frames are taken
	closeCode     int         // close frame the writer sends after the queue, 0 for none
	closeText     string      //
	user          User
	signedIn      bool
	accessKey     string
	channel       Channel
	joined        bool
	joining       bool          // between subscribing and the join reply: live frames wait in pending
	pending       []outFrame    //
	lastOffset    int64         // highest message offset sent on the joined channel
	left          string        // the channel it left last (a notification of a message
	leftOffset    int64         // it was sent there, up to leftOffset, is not sent again)
	waitFor       int64         // an offset a handler waits to see sent (its own message)
	waitDone      chan struct{} // closed when it is
	view          view          // the part of the users listing the client was given (view.go)
	signInDue     *time.Timer   // closes a connection that stays signed out (SIGNIN_TIMEOUT)
	refused       refusals      // its last 429s (refusals.go); its reader's and handlers' only
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
		readerDone: make(chan struct{}),
		writerDone: make(chan struct{}),
	}
}

// SessionID returns the connection's session UUID, the one its ready
// frame named.
func (c *Conn) SessionID() string { return c.id }

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

// serve runs the connection: its reader is the calling goroutine.
func (c *Conn) serve(ctx context.Context, dispatch func(context.Context, *Conn, []byte)) {
	c.start(ctx)
	c.readLoop(dispatch)
	c.end()
}

// start sends the ready frame and arms the pings and the sign-in timeout.
func (c *Conn) start(ctx context.Context) {
	c.ctx = ctx
	c.startPinger()
	c.mu.Lock()
	c.awaitSignInLocked()
	c.mu.Unlock()
	hello := map[string]any{"sessionUUID": c.id, "maxMessageLength": c.hub.node.cfg.MaxMessageLength}
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
}

// end finishes a connection whose reading has ended: the last writer sends
// what is queued and the close frame of a graceful close, or cuts at once.
func (c *Conn) end() {
	close(c.readerDone)
	c.mu.Lock()
	c.closing = true
	graceful := c.closeCode != 0
	c.mu.Unlock()
	if !graceful {
		c.cut()
	}
	c.mu.Lock()
	c.startLocked() // the last writer, unless it has run
	c.mu.Unlock()
	<-c.writerDone
	// Leaving and signing out tell Redis; bounded, so that a dead Redis
	// cannot hold a shutdown past Cloud Run's limit.
	cleanup, done := context.WithTimeout(context.WithoutCancel(c.ctx), time.Second)
	defer done()
	c.hub.remove(cleanup, c)
}

// awaitSignInLocked arms the close of a connection that is not signed in
// within SIGNIN_TIMEOUT: an idle socket would hold one of the instance's
// connection slots for nothing.
func (c *Conn) awaitSignInLocked() {
	d := c.hub.node.cfg.SignInTimeout
	if d <= 0 {
		return
	}
	if c.signInDue != nil {
		c.signInDue.Stop()
	}
	c.signInDue = time.AfterFunc(d, func() {
		c.mu.Lock()
		idle := !c.signedIn && !c.closing
		c.mu.Unlock()
		if idle {
			c.log.Debug("closing a connection that did not sign in", "within", d)
			c.closeWith(websocket.ClosePolicyViolation, "sign in first: "+d.String()+" passed")
		}
	})
}

// cut closes the socket at once.
func (c *Conn) cut() { c.cutOnce.Do(func() { _ = c.ws.Close() }) }

// abort cancels the request in progress (one stuck on Redis, say) and
// cuts the socket: the end of a shutdown that ran out of time.
func (c *Conn) abort() {
	c.mu.Lock()
	c.aborted = true
	cancel := c.cancelRequest
	c.mu.Unlock()
	if cancel != nil {
		cancel()
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
	c.startLocked()
	c.mu.Unlock()
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
