package faulttest

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

// The protocol frames the fleet reads, with only the fields it needs.

type (
	wireMessage = chattest.Message
	joinReply   = chattest.JoinReply
	errorReply  = chattest.ErrorPayload
)

type readyPayload struct {
	SessionUUID string `json:"sessionUUID"`
	DataEpoch   string `json:"dataEpoch"`
}

type authorizedPayload struct {
	UserUUID  string `json:"userUUID"`
	AccessKey string `json:"accessKey"`
}

// frame is one frame received: its type and its payload.
type frame struct {
	typ     string
	payload json.RawMessage
}

func decodeFrame(data []byte) (frame, error) {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(data, &env); err != nil {
		return frame{}, fmt.Errorf("frame is not a JSON object: %.200q", data)
	}
	var f frame
	if err := json.Unmarshal(env["type"], &f.typ); err != nil {
		return frame{}, fmt.Errorf("frame without a type: %.200q", data)
	}
	f.payload = env[f.typ]
	return f, nil
}

// ProtocolError is an error frame that answered a request.
type ProtocolError struct{ errorReply }

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("error %d to %s: %s", e.Code, e.Request, e.errorReply.Error)
}

// IsCode reports whether err is an error frame with code.
func IsCode(err error, code int) bool {
	var pe *ProtocolError
	return errors.As(err, &pe) && pe.Code == code
}

// session is one websocket connection of a client. Its reader goroutine
// (Client.read) handles every frame; frames that answer a request of the
// connection sequence go to replies, where one waiter at a time takes them.
type session struct {
	ws      *websocket.Conn
	wmu     sync.Mutex // one writer at a time
	replies chan frame
	done    chan struct{} // closed when the reader ends
	err     error         // why it ended, set before done is closed
	dropped bool          // closed by the test (Client.Drop), guarded by Client.mu
}

func newSession(ws *websocket.Conn) *session {
	return &session{ws: ws, replies: make(chan frame, 64), done: make(chan struct{})}
}

func (s *session) send(typ string, payload any) error {
	b, err := json.Marshal(map[string]any{"type": typ, typ: payload})
	if err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_ = s.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return s.ws.WriteMessage(websocket.TextMessage, b)
}

// forward hands f to the waiter; the reader never blocks on it.
func (s *session) forward(f frame) {
	select {
	case s.replies <- f:
	default:
	}
}

// await returns the next reply of type typ, or the error frame that came
// instead (a *ProtocolError), or an error when the connection ends, quit is
// closed or d passes.
func (s *session) await(typ string, d time.Duration, quit <-chan struct{}) (frame, error) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case f := <-s.replies:
			switch f.typ {
			case typ:
				return f, nil
			case "error":
				var e ProtocolError
				_ = json.Unmarshal(f.payload, &e.errorReply)
				return f, &e
			}
		case <-s.done:
			return frame{}, fmt.Errorf("connection closed while waiting for %s: %v", typ, s.err)
		case <-timer.C:
			return frame{}, fmt.Errorf("no %s reply within %s", typ, d)
		case <-quit:
			return frame{}, errors.New("fleet closed")
		}
	}
}

// closeCode returns the websocket close code a session ended with: the
// code of the server's close frame, or -1 when the connection just broke.
func closeCode(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return -1
}

func wsURL(base string) string {
	return "ws" + strings.TrimPrefix(base, "http") + "/ws"
}
