package functions

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
)

// metricsContentType is the Prometheus text exposition format, version
// 0.0.4: what every Prometheus-compatible scraper (Google Cloud Managed
// Service for Prometheus included) reads.
const metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

// metric is one line of the exposition: a name, its kind and help, and the
// value read when scraped.
type metric struct {
	name  string
	kind  string // "counter" or "gauge"
	help  string
	value int64
}

// serveMetrics answers GET /metrics with this instance's counters and
// gauges in the Prometheus text format. It is mounted only when
// METRICS_ENABLED is true. Gauges describe this instance only: sum them
// over instances for the service.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "use GET", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", metricsContentType)
	w.Header().Set("Cache-Control", "no-store")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(s.metricsText())
}

// metricsText renders the metrics, each with its HELP and TYPE lines.
func (s *Server) metricsText() []byte {
	conns, users, channels := s.node.Hub().Stats()
	m := s.node.Metrics()
	list := []metric{
		{"chat_connections", "gauge", "Open websocket connections on this instance.", int64(conns)},
		{"chat_users_signed_in", "gauge", "Distinct users signed in on this instance's connections.", int64(users)},
		{"chat_channels_joined", "gauge", "Channels joined by at least one connection of this instance.", int64(channels)},
		{"chat_pubsub_topics", "gauge", "Redis pub/sub topics this instance is subscribed to.", int64(s.node.Topics())},
		{"chat_messages_in_total", "counter", "Frames received from websocket clients.", m.MessagesIn.Load()},
		{"chat_messages_out_total", "counter", "Frames queued to websocket clients.", m.MessagesOut.Load()},
		{"chat_queue_drops_total", "counter", "Frames dropped from full send queues (typing notices).", m.QueueDrops.Load()},
		{"chat_slow_consumer_disconnects_total", "counter", "Clients disconnected for not reading fast enough.", m.SlowDisconnects.Load()},
		{"chat_redis_errors_total", "counter", "Failed Redis calls.", m.RedisErrors.Load()},
		{"chat_pubsub_reconnects_total", "counter", "Times the Redis pub/sub connection was made again.", m.PubSubReconnects.Load()},
	}
	var b bytes.Buffer
	for _, x := range list {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n%s %s\n", x.name, x.help, x.name, x.kind, x.name, strconv.FormatInt(x.value, 10))
	}
	return b.Bytes()
}
