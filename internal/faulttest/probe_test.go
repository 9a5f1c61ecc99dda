package faulttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// probeConn, below, is a bare protocol client of the defect regression
// tests: one websocket, frames read by a goroutine, replies awaited by type.

// sayPrivate joins the private channel with recipient (once) and sends
// text there; it returns the message as its own echo brought it.
func (p *probeConn) sayPrivate(recipient, text string) (probeMessage, error) {
	var m probeMessage
	if p.joined != recipient {
		if _, err := p.request("channelJoin", map[string]any{"recipientUUID": recipient}, "channelJoin"); err != nil {
			return m, err
		}
		p.joined = recipient
	}
	if err := p.send("channelMessage", map[string]any{"recipientUUID": recipient, "message": text}); err != nil {
		return m, err
	}
	for {
		f, err := p.await("channelMessage", "channelMessage", replyWait)
		if err != nil {
			return m, fmt.Errorf("send %q: %w", text, err)
		}
		if json.Unmarshal(f.payload, &m) == nil && m.SenderUUID == p.user && m.Message == text {
			return m, nil
		}
	}
}

// probeMessage is a Message with the fields the defect tests read.
type probeMessage struct {
	UUID       string `json:"UUID"`
	SenderUUID string `json:"SenderUUID"`
	Message    string `json:"Message"`
}

// probeConn is a bare protocol client on one websocket, for what the
// fleet does not do: sends without a clientID, requests timed one by one,
// presence and notify frames. Its reader goroutine queues every frame;
// the one goroutine that owns the probe sends and takes them (next,
// request), and each frame taken is given to onFrame first, when set.
type probeConn struct {
	ws      *websocket.Conn
	frames  chan frame // closed when the connection ends
	quit    chan struct{}
	user    string // the user signed in
	joined  string // the recipientUUID of the channel sayPrivate joined
	onFrame func(frame)
}

// dialProbe connects to baseURL and takes the ready frame. The
// connection is closed when the test ends.
func dialProbe(t testing.TB, baseURL string) *probeConn {
	t.Helper()
	dialer := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	ws, _, err := dialer.Dial(wsURL(baseURL), nil)
	if err != nil {
		t.Fatalf("dial %s: %v", baseURL, err)
	}
	p := &probeConn{ws: ws, frames: make(chan frame, 256), quit: make(chan struct{})}
	done := make(chan struct{})
	go p.read(done)
	t.Cleanup(func() { close(p.quit); _ = ws.Close(); <-done })
	if _, err := p.await("ready", "", replyWait); err != nil {
		t.Fatalf("%s: %v", baseURL, err)
	}
	return p
}

func (p *probeConn) read(done chan<- struct{}) {
	defer close(done)
	defer close(p.frames)
	for {
		_, data, err := p.ws.ReadMessage()
		if err != nil {
			return
		}
		f, err := decodeFrame(data)
		if err != nil {
			continue
		}
		select {
		case p.frames <- f:
		case <-p.quit:
			return
		}
	}
}

func (p *probeConn) send(typ string, payload any) error {
	b, err := json.Marshal(map[string]any{"type": typ, typ: payload})
	if err != nil {
		return err
	}
	_ = p.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return p.ws.WriteMessage(websocket.TextMessage, b)
}

// next returns the next frame, within d.
func (p *probeConn) next(d time.Duration) (frame, error) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case f, ok := <-p.frames:
		if !ok {
			return frame{}, errors.New("connection closed")
		}
		if p.onFrame != nil {
			p.onFrame(f)
		}
		return f, nil
	case <-timer.C:
		return frame{}, fmt.Errorf("no frame within %s", d)
	}
}

// await returns the next frame of type typ, or the error frame that
// answered a request of type request (a *ProtocolError), within d.
func (p *probeConn) await(typ, request string, d time.Duration) (frame, error) {
	deadline := time.Now().Add(d)
	for {
		f, err := p.next(time.Until(deadline))
		if err != nil {
			return frame{}, fmt.Errorf("waiting for %s: %w", typ, err)
		}
		if f.typ == typ {
			return f, nil
		}
		if f.typ == "error" {
			var e ProtocolError
			_ = json.Unmarshal(f.payload, &e.errorReply)
			if e.Request == request {
				return f, &e
			}
		}
	}
}

// request sends a request and waits replyWait for its reply (or error).
func (p *probeConn) request(typ string, payload any, reply string) (frame, error) {
	if err := p.send(typ, payload); err != nil {
		return frame{}, err
	}
	return p.await(reply, typ, replyWait)
}

// signUp signs a new user up (password "pw-"+name) and signs in as them.
func (p *probeConn) signUp(name string) (authorizedPayload, error) {
	return p.authorize("signUp", map[string]string{"username": name, "password": "pw-" + name})
}

// signInKey signs in with an access key.
func (p *probeConn) signInKey(key string) (authorizedPayload, error) {
	return p.authorize("signIn", map[string]string{"accessKey": key})
}

func (p *probeConn) authorize(typ string, payload any) (authorizedPayload, error) {
	var a authorizedPayload
	f, err := p.request(typ, payload, "authorized")
	if err != nil {
		return a, fmt.Errorf("%s: %w", typ, err)
	}
	if err := json.Unmarshal(f.payload, &a); err != nil {
		return a, err
	}
	p.user = a.UserUUID
	return a, nil
}

// httpSignUp signs a user up with POST /signUp, which connects nobody:
// the user has an access key and is offline.
func httpSignUp(t testing.TB, baseURL, name string) authorizedPayload {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": name, "password": "pw-" + name})
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Post(baseURL+"/signUp", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST /signUp: %v", err)
	}
	defer resp.Body.Close()
	var env map[string]json.RawMessage
	var a authorizedPayload
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || json.Unmarshal(env["authorized"], &a) != nil || a.AccessKey == "" {
		t.Fatalf("POST /signUp %s: status %d, %v", name, resp.StatusCode, err)
	}
	return a
}
