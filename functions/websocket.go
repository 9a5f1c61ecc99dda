package functions

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/google/uuid"

	"github.com/redischat/chat/chatcore"
)

// serveWebsocket upgrades a request to the chat's websocket protocol and
// serves it until it closes.
func (s *Server) serveWebsocket(w http.ResponseWriter, r *http.Request) {
	if !s.node.Hub().Accepting() {
		http.Error(w, "server is shutting down", http.StatusServiceUnavailable)
		return
	}
	addr := clientAddress(r, s.node.Config().TrustedProxyHops)
	release, ok := s.node.Hub().Admit(addr)
	if !ok {
		s.log.Info("websocket refused: too many from one address", "address", addr.String())
		writeFrame(w, http.StatusTooManyRequests, chatcore.ErrorFrame(http.StatusTooManyRequests,
			"too many connections from your address: close some and try again", "ws"))
		return
	}
	// The socket gathers the frames a writer sends in one go into one
	// syscall (chatcore.BatchConn).
	ws, err := s.upgrader.Upgrade(chatcore.BatchingWriter(w), r, nil)
	if err != nil {
		release()
		return // the upgrader has answered with an HTTP error
	}
	id := uuid.NewString()
	log := s.log.With("session", id)
	opened := time.Now()
	log.Debug("websocket opened", "address", addr.String())
	ended := func() {
		release()
		log.Debug("websocket closed", "after", time.Since(opened).Round(time.Millisecond))
	}
	// The connection outlives the request: it keeps only its values.
	_ = s.node.Hub().Serve(context.WithoutCancel(r.Context()), ws, id, log, s.dispatcher(addr), ended)
}

// dispatcher returns the handler of one connection's frames, from the
// client address addr: each frame goes through the table, and the
// connection is closed with 1008 when it keeps going after 429 (address.go).
func (s *Server) dispatcher(addr netip.Addr) func(context.Context, *chatcore.Conn, []byte) {
	return func(ctx context.Context, conn *chatcore.Conn, data []byte) {
		typ, payload, err := envelope(data)
		if err == nil {
			err = s.run(ctx, typ, payload, wsSession{conn, addr}, conn.Log())
		}
		if err == nil {
			return
		}
		code, text := errorReply(conn.Log(), typ, err)
		conn.Reply(chatcore.ErrorFrameForRetry(code, text, data, chatcore.RetryAfter(err)))
		if code == chatcore.CodeRateLimited {
			conn.Refused(time.Now()) // closes one that keeps going after 429
		}
	}
}

// run looks typ up in the table and runs its handler.
func (s *Server) run(ctx context.Context, typ string, payload []byte, sess Session, log *slog.Logger) error {
	e, ok := s.table[typ]
	if !ok {
		return chatcore.Errorf(chatcore.CodeInvalid, "unknown type %q", requestName(typ))
	}
	if _, signedIn := sess.User(); !signedIn && !e.public {
		return chatcore.ErrNotSignedIn
	}
	return e.handle(ctx, &Call{Type: typ, Payload: payload, Session: sess, Node: s.node, Log: log})
}
