package chattest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Wait is how long a test waits for an expected frame.
const Wait = 10 * time.Second

// Frame is one frame received.
type Frame struct {
	Type string
	Raw  json.RawMessage
}

// Payload decodes the frame's payload (the member named by its type) into v.
func (f Frame) Payload(t testing.TB, v any) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(f.Raw, &m); err != nil {
		t.Fatalf("frame %s: %v", f.Raw, err)
	}
	if err := json.Unmarshal(m[f.Type], v); err != nil {
		t.Fatalf("payload of %s: %v", f.Raw, err)
	}
}

// WS is a test's websocket client. A goroutine reads frames into a buffer
// the Expect methods take from.
type WS struct {
	t      testing.TB
	Conn   *websocket.Conn
	frames chan Frame
	closed chan struct{}
	// CloseErr is how the connection ended, once closed is closed.
	CloseErr error
	// SessionUUID is the ready frame's.
	SessionUUID string
}

// Dial opens a websocket to baseURL (http://host:port) and takes the ready
// frame.
func Dial(t testing.TB, baseURL string) *WS {
	t.Helper()
	c, err := DialErr(t, baseURL, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", baseURL, err)
	}
	return c
}

// DialErr is Dial that returns the error, with extra request headers.
func DialErr(t testing.TB, baseURL string, h http.Header) (*WS, error) {
	t.Helper()
	url := "ws" + strings.TrimPrefix(baseURL, "http") + "/ws"
	conn, _, err := websocket.DefaultDialer.Dial(url, h)
	if err != nil {
		return nil, err
	}
	c := &WS{t: t, Conn: conn, frames: make(chan Frame, 10000), closed: make(chan struct{})}
	go c.read()
	t.Cleanup(func() { _ = conn.Close() })
	var ready struct {
		SessionUUID string `json:"sessionUUID"`
	}
	c.Expect("ready").Payload(t, &ready)
	c.SessionUUID = ready.SessionUUID
	return c, nil
}

func (c *WS) read() {
	defer close(c.closed)
	defer close(c.frames)
	for {
		_, data, err := c.Conn.ReadMessage()
		if err != nil {
			c.CloseErr = err
			return
		}
		var env struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(data, &env); err != nil {
			c.CloseErr = fmt.Errorf("server sent a frame that is not JSON: %q", data)
			return
		}
		c.frames <- Frame{Type: env.Type, Raw: data}
	}
}

// Send sends {"type": typ, typ: payload}.
func (c *WS) Send(typ string, payload any) {
	c.t.Helper()
	m := map[string]any{"type": typ}
	if payload != nil {
		m[typ] = payload
	}
	c.SendRaw(mustJSON(c.t, m))
}

// SendRaw sends data as one text frame.
func (c *WS) SendRaw(data []byte) {
	c.t.Helper()
	if err := c.Conn.WriteMessage(websocket.TextMessage, data); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// Next returns the next frame, failing the test after Wait.
func (c *WS) Next() Frame {
	c.t.Helper()
	select {
	case f, ok := <-c.frames:
		if !ok {
			c.t.Fatalf("connection closed while waiting for a frame: %v", c.CloseErr)
		}
		return f
	case <-time.After(Wait):
		c.t.Fatalf("no frame within %s", Wait)
	}
	return Frame{}
}

// Expect returns the next frame of type typ, skipping frames of the types
// in skip, and fails on any other.
func (c *WS) Expect(typ string, skip ...string) Frame {
	c.t.Helper()
	for {
		f := c.Next()
		if f.Type == typ {
			return f
		}
		if !contains(skip, f.Type) {
			c.t.Fatalf("want a %s frame, got %s", typ, f.Raw)
		}
	}
}

// ExpectError returns the next frame, which must be an error with code.
func (c *WS) ExpectError(code int, skip ...string) ErrorPayload {
	c.t.Helper()
	var e ErrorPayload
	c.Expect("error", skip...).Payload(c.t, &e)
	if e.Code != code {
		c.t.Fatalf("want error %d, got %+v", code, e)
	}
	return e
}

// ErrorPayload is the payload of an error frame.
type ErrorPayload struct {
	Code     int    `json:"code"`
	Error    string `json:"error"`
	Message  string `json:"message"`
	Request  string `json:"request"`
	ClientID string `json:"clientID"`
	// RetryAfter is the seconds after which a request refused with 429
	// may be retried, when the server says.
	RetryAfter int `json:"retryAfter"`
}

// NoFrame fails if a frame other than those of the skip types arrives
// within d. Use it only after an event that orders the frames (a reply to a
// later request), so that the wait is not a guess.
func (c *WS) NoFrame(d time.Duration, skip ...string) {
	c.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				return
			}
			if !contains(skip, f.Type) {
				c.t.Fatalf("unexpected frame %s", f.Raw)
			}
		case <-deadline:
			return
		}
	}
}

// Drain returns every frame received until the next frame of type typ, which
// is returned last.
func (c *WS) Drain(typ string) []Frame {
	c.t.Helper()
	var out []Frame
	for {
		f := c.Next()
		out = append(out, f)
		if f.Type == typ {
			return out
		}
	}
}

// WaitClosed waits for the server to close the connection and returns the
// close code.
func (c *WS) WaitClosed() int {
	c.t.Helper()
	for {
		select {
		case _, ok := <-c.frames:
			if ok {
				continue
			}
			var ce *websocket.CloseError
			if errors.As(c.CloseErr, &ce) {
				return ce.Code
			}
			return -1
		case <-time.After(Wait):
			c.t.Fatalf("connection not closed within %s", Wait)
		}
	}
}

// Auth is the payload of an authorized frame.
type Auth struct {
	UserUUID  string `json:"userUUID"`
	AccessKey string `json:"accessKey"`
}

// SignUp signs up name (password "pw-"+name) and takes the authorized and
// sys signIn replies.
func (c *WS) SignUp(name string) Auth {
	c.t.Helper()
	c.Send("signUp", map[string]string{"username": name, "password": "pw-" + name})
	return c.takeAuth()
}

// SignInKey resumes with an access key.
func (c *WS) SignInKey(key string) Auth {
	c.t.Helper()
	c.Send("signIn", map[string]string{"accessKey": key})
	return c.takeAuth()
}

func (c *WS) takeAuth() Auth {
	c.t.Helper()
	var a Auth
	c.Expect("authorized", "sys").Payload(c.t, &a)
	for { // presence pushes may come in between
		f := c.Expect("sys")
		var sys struct {
			Type string `json:"type"`
		}
		f.Payload(c.t, &sys)
		switch sys.Type {
		case "signIn":
			return a
		case "presence", "presenceBatch":
		default:
			c.t.Fatalf("want sys signIn after authorized, got %s", f.Raw)
		}
	}
}

func mustJSON(t testing.TB, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
