package functions

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
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
		log := s.log.With(append([]any{"function", e.name}, traceAttrs(r, s.node.Config().CloudProject)...)...)
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeFrame(w, http.StatusMethodNotAllowed, chatcore.ErrorFrame(http.StatusMethodNotAllowed, "use POST", e.name))
			return
		}
		ctx := r.Context()
		sess := &httpSession{addr: clientAddress(r, s.node.Config().TrustedProxyHops)}
		if err := s.node.Store().AllowCall(ctx, sess.addr, accessKey(r)); err != nil {
			writeError(w, log, e.name, err)
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
			writeError(w, log, e.name, err)
			return
		}
		log.Debug("function call", "status", http.StatusOK)
		writeFrame(w, http.StatusOK, sess.reply)
	}
}

// writeError answers a call of the function name that failed with err: its
// code as status and the error envelope; a refusal by a limit also says
// when to retry, as retryAfter and as Retry-After.
func writeError(w http.ResponseWriter, log *slog.Logger, name string, err error) {
	code, text := errorReply(log, name, err)
	log.Debug("function call", "status", code)
	retry := chatcore.RetryAfter(err)
	if retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retry))
	}
	writeFrame(w, code, chatcore.ErrorFrameRetry(code, text, name, retry))
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

// traceAttrs are the log attributes that link a request's log lines to its
// trace in Cloud Logging: "logging.googleapis.com/trace" as
// projects/PROJECT/traces/TRACE_ID, with the span and the sampling flag, read
// from X-Cloud-Trace-Context ("TRACE_ID/SPAN_ID;o=1", what Cloud Run's front
// end sends) or else from a W3C traceparent. Without a project
// (GOOGLE_CLOUD_PROJECT) or a well-formed trace ID there are none.
func traceAttrs(r *http.Request, project string) []any {
	if project == "" {
		return nil
	}
	var traceID, spanID string
	var sampled bool
	if h := r.Header.Get("X-Cloud-Trace-Context"); h != "" {
		id, rest, _ := strings.Cut(h, "/")
		span, opts, _ := strings.Cut(rest, ";")
		traceID, sampled = id, opts == "o=1"
		if n, err := strconv.ParseUint(span, 10, 64); err == nil && n != 0 {
			spanID = fmt.Sprintf("%016x", n) // Cloud Logging wants the span in hex
		}
	} else if p := strings.Split(r.Header.Get("traceparent"), "-"); len(p) == 4 && p[0] == "00" {
		traceID, spanID = p[1], p[2]
		flags, err := strconv.ParseUint(p[3], 16, 8)
		sampled = err == nil && flags&1 == 1
	}
	if !isHex(traceID, 32) {
		return nil
	}
	attrs := []any{"logging.googleapis.com/trace", "projects/" + project + "/traces/" + strings.ToLower(traceID)}
	if isHex(spanID, 16) {
		attrs = append(attrs, "logging.googleapis.com/spanId", strings.ToLower(spanID))
	}
	return append(attrs, "logging.googleapis.com/trace_sampled", sampled)
}

// isHex reports whether s is n hexadecimal digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}
