package functions

import (
	"context"
	"net/http"
	"time"
)

// serveHealth answers 200 when this instance reaches Redis and 503 when it
// does not. Cloud Run's startup and liveness probes call it.
func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.node.Ping(ctx); err != nil {
		s.log.Warn("health: Redis unreachable", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"status":"unavailable","redis":false}` + "\n"))
		return
	}
	_, _ = w.Write([]byte(`{"status":"ok","redis":true}` + "\n"))
}
