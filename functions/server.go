package functions

import (
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/gorilla/websocket"

	"github.com/redischat/chat/chatcore"
)

// Server serves the chat over HTTP: the websocket endpoint /ws, the HTTP
// functions at POST /<type>, GET /health, GET /metrics when METRICS_ENABLED
// is true, and the browser client at / when one is given; any other path
// gets 404 with the error envelope. Every response carries the security
// headers (headers.go). It is an http.Handler to mount on the binary's own
// http.Server, which owns graceful shutdown.
type Server struct {
	node     *chatcore.Node
	log      *slog.Logger
	table    table
	upgrader websocket.Upgrader
	mux      *http.ServeMux
	funcs    map[string]http.HandlerFunc
	static   *static // the client's files, and the answer to unknown paths
}

// Option configures a Server.
type Option func(*Server)

// WithClient serves the browser client from fsys at /.
func WithClient(fsys fs.FS) Option {
	return func(s *Server) {
		s.static = newStatic(fsys)
	}
}

// New returns a Server for node.
func New(node *chatcore.Node, opts ...Option) (*Server, error) {
	t, err := newTable(entries())
	if err != nil {
		return nil, err
	}
	s := &Server{node: node, log: node.Log(), table: t, mux: http.NewServeMux(), static: newStatic(nil)}
	s.upgrader = websocket.Upgrader{
		// The handler returns once the connection runs (Hub.Serve), so
		// net/http's 4 KiB buffers are freed: a small read buffer of the
		// connection's own, and write buffers taken from a pool only while
		// a frame is written, so that an idle connection holds none.
		ReadBufferSize:  512,
		WriteBufferSize: 4096,
		WriteBufferPool: &sync.Pool{},
		CheckOrigin:     originChecker(node.Config().AllowedOrigin),
	}
	s.funcs = map[string]http.HandlerFunc{
		"ws":     s.serveWebsocket,
		"health": s.serveHealth,
	}
	for name, e := range t {
		s.funcs[name] = s.httpFunction(e)
	}
	for name, fn := range s.funcs {
		s.mux.HandleFunc("/"+name, fn)
	}
	if node.Config().MetricsEnabled {
		s.mux.Handle("/metrics", s.metricsHandler())
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { s.static.ServeHTTP(w, r) })
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header(), r)
	s.mux.ServeHTTP(w, r)
}

// Functions returns every function by name ("ws", "health" and each message
// type), as the Functions Framework registers them.
func (s *Server) Functions() map[string]http.HandlerFunc { return s.funcs }

// originChecker allows the page's own origin (gorilla's default check) and
// the origins listed in ALLOWED_ORIGINS ("*" for any).
func originChecker(allowed string) func(*http.Request) bool {
	list := map[string]bool{}
	for _, o := range strings.Split(allowed, ",") {
		if o = strings.TrimSpace(o); o != "" {
			list[strings.ToLower(o)] = true
		}
	}
	return func(r *http.Request) bool {
		origin := r.Header.Get("Origin")
		if origin == "" || list["*"] || list[strings.ToLower(origin)] {
			return true
		}
		u := strings.ToLower(origin)
		u = strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
		return u == strings.ToLower(r.Host)
	}
}
