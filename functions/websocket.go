package functions

import (
	"context"
	"log/slog"
	"net/http"

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
	// The connection outlives the request: it keeps only its values.
	_ = s.node.Hub().Serve(context.WithoutCancel(r.Context()), ws, id, log, s.dispatch, release)
}

// dispatch handles one frame of a connection through the table.
func (s *Server) dispatch(ctx context.Context, conn *chatcore.Conn, data []byte) {
	typ, payload, err := envelope(data)
	if err == nil {
		err = s.run(ctx, typ, payload, wsSession{conn}, conn.Log())
	}
	if err != nil {
		code, text := errorReply(conn.Log(), typ, err)
		conn.Reply(chatcore.ErrorFrameFor(code, text, data))
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
