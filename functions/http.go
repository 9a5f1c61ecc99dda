package functions

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/redischat/chat/chatcore"
)

// httpFunction serves one message type as an HTTP function: POST /<type>
// with the payload as body answers with the envelope a websocket would get,
// errors with their code as HTTP status. Types other than signUp and signIn
// need the access key, as "Authorization: Bearer <key>" or, where
// Authorization carries a Google identity token for Cloud Run's IAM check,
// as "X-Chat-Access-Key: <key>".
func (s *Server) httpFunction(e entry) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		log := s.log.With("function", e.name)
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeFrame(w, http.StatusMethodNotAllowed, chatcore.ErrorFrame(http.StatusMethodNotAllowed, "use POST", e.name))
			return
		}
		limit := s.node.Config().ReadLimit
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(limit)))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeFrame(w, chatcore.CodeTooLarge, chatcore.ErrorFrame(chatcore.CodeTooLarge, fmt.Sprintf("body larger than %d bytes", limit), e.name))
			return
		}
		if err != nil {
			writeFrame(w, chatcore.CodeInvalid, chatcore.ErrorFrame(chatcore.CodeInvalid, "cannot read body", e.name))
			return
		}
		if body = bytes.TrimSpace(body); len(body) == 0 {
			body = nil
		}
		sess := &httpSession{}
		ctx := r.Context()
		if !e.public {
			key := accessKey(r)
			if key == "" {
				err = chatcore.ErrNotSignedIn
			} else if u, rerr := s.node.Store().Resume(ctx, key); rerr != nil {
				err = rerr
			} else {
				_ = sess.SignIn(ctx, u, key)
			}
		}
		if err == nil {
			err = s.run(ctx, e.name, body, sess, log)
		}
		if err != nil {
			code, text := errorReply(log, e.name, err)
			writeFrame(w, code, chatcore.ErrorFrame(code, text, e.name))
			return
		}
		writeFrame(w, http.StatusOK, sess.reply)
	}
}

// accessKey reads the access key of an HTTP call: X-Chat-Access-Key, else
// a bearer Authorization header.
func accessKey(r *http.Request) string {
	if k := strings.TrimSpace(r.Header.Get("X-Chat-Access-Key")); k != "" {
		return k
	}
	auth := r.Header.Get("Authorization")
	if len(auth) > 7 && strings.EqualFold(auth[:7], "bearer ") {
		return strings.TrimSpace(auth[7:])
	}
	return ""
}

func writeFrame(w http.ResponseWriter, status int, frame []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(frame)
	_, _ = w.Write([]byte("\n"))
}

