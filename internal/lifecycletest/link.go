package lifecycletest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/redischat/chat/internal/chattest"
)

// The payloads a peer reads, as every test client decodes them.
type (
	Msg          = chattest.Message
	JoinReply    = chattest.JoinReply
	ErrorPayload = chattest.ErrorPayload
)

// frame is a frame a link hands to the goroutine waiting for a reply.
type frame struct {
	typ string
	raw json.RawMessage // the payload
}

// link is one websocket connection of a Peer. Its reader goroutine hands
// channel messages and join replies to the peer as they come, in order, and
// replies to the peer's requests to replies.
type link struct {
	conn    *websocket.Conn
	wmu     sync.Mutex
	replies chan frame
	done    chan struct{} // closed when reading ended

	// Set before done is closed.
	closeCode int // the server's close code; -1 when the socket was cut
	closedAt  time.Time
	readErr   error
}

// handlers are what a link calls from its reader goroutine.
type handlers struct {
	message   func(Msg)
	join      func(JoinReply)
	sendError func(ErrorPayload)
}

// dialLink connects and returns the link with the ready frame's payload.
func dialLink(baseURL string, h handlers) (*link, json.RawMessage, error) {
	url := "ws" + strings.TrimPrefix(baseURL, "http") + "/ws"
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, _, err := d.Dial(url, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("dial %s: %w", url, err)
	}
	l := &link{conn: conn, replies: make(chan frame, 64), done: make(chan struct{})}
	go l.read(h)
	ready, err := l.expect("ready", 10*time.Second)
	if err != nil {
		_ = conn.Close()
		return nil, nil, err
	}
	return l, ready, nil
}

func (l *link) read(h handlers) {
	defer close(l.done)
	for {
		_, data, err := l.conn.ReadMessage()
		if err != nil {
			l.closedAt, l.readErr, l.closeCode = time.Now(), err, -1
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				l.closeCode = ce.Code
			}
			_ = l.conn.Close()
			return
		}
		var env map[string]json.RawMessage
		var typ string
		if json.Unmarshal(data, &env) != nil || json.Unmarshal(env["type"], &typ) != nil {
			continue
		}
		payload := env[typ]
		switch typ {
		case "channelMessage":
			var m Msg
			if json.Unmarshal(payload, &m) == nil {
				h.message(m)
			}
			continue
		case "channelJoin":
			var r JoinReply
			if json.Unmarshal(payload, &r) == nil {
				h.join(r)
			}
		case "error":
			var e ErrorPayload
			if json.Unmarshal(payload, &e) == nil && e.Request == "channelMessage" {
				h.sendError(e)
				continue
			}
		case "ready", "authorized":
		default:
			continue // pushes: presence, join/leave, typing
		}
		select {
		case l.replies <- frame{typ: typ, raw: payload}:
		default: // nobody asked for it: a test bug, reported as a missing reply
		}
	}
}

// expect waits for the reply of type typ; an error frame fails it.
func (l *link) expect(typ string, within time.Duration) (json.RawMessage, error) {
	timeout := time.After(within)
	for {
		select {
		case f := <-l.replies:
			switch f.typ {
			case typ:
				return f.raw, nil
			case "error":
				return nil, fmt.Errorf("want %s, got error %s", typ, f.raw)
			}
		case <-l.done:
			return nil, fmt.Errorf("connection closed (%v) while waiting for %s", l.readErr, typ)
		case <-timeout:
			return nil, fmt.Errorf("no %s reply within %s", typ, within)
		}
	}
}

// send writes {"type": typ, typ: payload}.
func (l *link) send(typ string, payload any) error {
	data, err := json.Marshal(map[string]any{"type": typ, typ: payload})
	if err != nil {
		return err
	}
	l.wmu.Lock()
	defer l.wmu.Unlock()
	_ = l.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return l.conn.WriteMessage(websocket.TextMessage, data)
}
