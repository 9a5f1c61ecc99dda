package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// maxKeptBuffer is the largest read buffer a connection keeps between
// frames: a large join reply is read into a buffer of its own and dropped.
const maxKeptBuffer = 16 << 10

// client is one websocket connection and the user signed in on it. Its
// goroutine sets it up and then reads it until the run stops; a sender
// writes it from a goroutine of its own.
type client struct {
	l          *load
	idx        int
	url        string
	shard      *shard
	stats      *stats        // setup times and losses: the run's, or the probe's
	key        savedKey      // the user: UUID and access key once signed in
	peer       *client       // the other member of its private channel (pairs)
	authed     chan struct{} // closed once key is filled in or signing in failed
	authOK     bool          // written before authed is closed
	recipient  string        // recipientUUID of its channel ("" for general)
	sender     *sender       // nil unless the client sends
	conn       *websocket.Conn
	buf        []byte
	track      offsets      // the reader's own
	joined     bool         // its channelJoin was answered
	joinedAt   int64        // offset it joined at
	last       atomic.Int64 // track.last, for the drain
	alive      atomic.Bool  // set up and not disconnected
	aliveAtEnd bool         // alive when the run stopped
	done       chan struct{}
}

// stepErr is a setup failure at one step (connect, signIn, signUp, join).
type stepErr struct {
	step string
	err  error
}

func (e *stepErr) Error() string { return e.step + ": " + e.err.Error() }
func (e *stepErr) Unwrap() error { return e.err }

// connect opens the websocket and takes the ready frame.
func (c *client) connect(ctx context.Context) error {
	start := time.Now()
	dctx, cancel := context.WithTimeout(ctx, c.l.opts.timeout)
	defer cancel()
	conn, resp, err := c.l.dialer.DialContext(dctx, c.url, nil)
	if err != nil {
		if resp != nil {
			err = fmt.Errorf("%w (HTTP %s)", err, resp.Status)
		}
		return &stepErr{"connect", err}
	}
	c.conn = conn
	if _, err := c.await(ctx, "ready", ""); err != nil {
		return &stepErr{"connect", err}
	}
	c.stats.connect.record(time.Since(start))
	return nil
}

// signIn resumes with the saved access key or signs a new user up.
func (c *client) signIn(ctx context.Context) error {
	start := time.Now()
	typ, payload := "signUp", map[string]string{"username": c.key.Username, "password": password}
	if c.key.AccessKey != "" {
		typ, payload = "signIn", map[string]string{"accessKey": c.key.AccessKey}
	}
	data, err := c.request(ctx, typ, payload, "authorized")
	if err != nil {
		return &stepErr{typ, err}
	}
	var auth struct {
		Authorized struct {
			UserUUID  string `json:"userUUID"`
			AccessKey string `json:"accessKey"`
		} `json:"authorized"`
	}
	if err := json.Unmarshal(data, &auth); err != nil || auth.Authorized.UserUUID == "" {
		return &stepErr{typ, fmt.Errorf("bad authorized frame: %.200s", data)}
	}
	c.key.UUID = auth.Authorized.UserUUID
	if auth.Authorized.AccessKey != "" {
		c.key.AccessKey = auth.Authorized.AccessKey
	}
	c.stats.signIn.record(time.Since(start))
	return nil
}

// join joins the client's channel and notes the offset it joined at.
func (c *client) join(ctx context.Context) error {
	start := time.Now()
	data, err := c.request(ctx, "channelJoin", map[string]string{"recipientUUID": c.recipient}, "channelJoin")
	if err != nil {
		return &stepErr{"join", err}
	}
	c.joined, c.joinedAt = true, joinOffset(data)
	c.track.last = c.joinedAt
	c.last.Store(c.joinedAt)
	c.stats.join.record(time.Since(start))
	return c.conn.SetReadDeadline(time.Time{})
}

// request sends {"type": typ, typ: payload} and waits for the reply want.
func (c *client) request(ctx context.Context, typ string, payload any, want string) ([]byte, error) {
	p, _ := json.Marshal(payload)
	frame := fmt.Appendf(nil, `{"type":%q,%q:%s}`, typ, typ, p)
	if err := c.conn.WriteMessage(websocket.TextMessage, frame); err != nil {
		return nil, err
	}
	return c.await(ctx, want, typ)
}

// await reads frames until one of type want, skipping pushes. An error
// frame for request (or naming no request) fails it.
func (c *client) await(ctx context.Context, want, request string) ([]byte, error) {
	deadline := time.Now().Add(c.l.opts.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.conn.SetReadDeadline(deadline); err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = c.conn.SetReadDeadline(time.Now()) })
	defer stop()
	for {
		data, err := c.read()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		switch typ := frameType(data); string(typ) {
		case want:
			return data, nil
		case "error":
			if e := parseError(data); request == "" || e.Request == "" || e.Request == request {
				return nil, e
			}
		}
	}
}

// read returns the next frame, in the client's buffer when it fits.
func (c *client) read() ([]byte, error) {
	_, r, err := c.conn.NextReader()
	if err != nil {
		return nil, err
	}
	if c.buf == nil {
		c.buf = make([]byte, 0, 512+c.l.opts.size)
	}
	data, err := readFrame(r, c.buf)
	if cap(data) <= maxKeptBuffer {
		c.buf = data[:0]
	}
	return data, err
}

// readFrame reads r to its end into buf, growing it when needed.
func readFrame(r io.Reader, buf []byte) ([]byte, error) {
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// readLoop counts every frame until the connection ends.
func (c *client) readLoop() {
	for {
		data, err := c.read()
		if err != nil {
			c.alive.Store(false)
			if !c.l.stopping.Load() {
				c.stats.disconnect(err)
			}
			if c.sender != nil {
				c.sender.stop()
			}
			return
		}
		c.onFrame(data, c.l.now())
	}
}
