package functions

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
)

// Histogram buckets, in seconds. Delivery spans a healthy fan-out (a few
// milliseconds) to a backlog worth alerting on (seconds); requests span a
// typing notice (well under a millisecond) to a bcrypt sign-up and a Redis
// call that times out; Redis calls start at a round trip on one host.
var (
	deliveryBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}
	requestBuckets  = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	redisBuckets    = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .1, .5, 2.5}
)

// metricsHandler builds this Server's metrics on a registry of its own (so
// that several Servers in one process, as in tests, do not share one),
// instruments the node and the table, and returns the handler of GET
// /metrics. New calls it only when METRICS_ENABLED is true, before serving:
// an instance without metrics pays for none of the hooks. It must run at
// most once per Server.
//
// The registry holds the Go runtime and process collectors, the node's
// counters and gauges (read when scraped, see metrics_node.go), and three
// histograms: end-to-end delivery latency (fed by the node's Delivery hook),
// handler latency per message type (s.table's handlers are wrapped) and
// Redis call latency (a hook on the node's client, see metrics_redis.go).
func (s *Server) metricsHandler() http.Handler {
	reg := s.scrapedRegistry()
	delivery := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "chat_delivery_latency_seconds",
		Help:    "Time from a message's store time (the sending instance's clock) to its write to a socket of this instance.",
		Buckets: deliveryBuckets,
	})
	requests := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "chat_request_duration_seconds",
		Help:    "Time the handler of a request took, by message type, websocket and HTTP functions alike.",
		Buckets: requestBuckets,
	}, []string{"type"})
	redisCalls := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "chat_redis_command_duration_seconds",
		Help:    "Time Redis calls took, by command name; pipelines and transactions as \"pipeline\".",
		Buckets: redisBuckets,
	}, []string{"command"})
	batch := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "chat_presence_batch_users",
		Help:    "Presence changes carried by one presence push to every connection (a batch gathers those of PRESENCE_BATCH).",
		Buckets: prometheus.ExponentialBuckets(1, 4, 8),
	})
	refresh := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "chat_presence_refresh_seconds",
		Help:    "Time one renewal of this instance's presence marks and access keys took (every PRESENCE_REFRESH).",
		Buckets: redisBuckets,
	})
	reg.MustRegister(delivery, requests, redisCalls, batch, refresh)
	s.node.Metrics().PresenceBatch = func(n int) { batch.Observe(float64(n)) }
	s.node.Metrics().PresenceRefresh = func(d time.Duration) { refresh.Observe(d.Seconds()) }

	observeDelivery(s.node.Metrics(), delivery)
	s.timeRequests(requests)
	s.node.Redis().AddHook(redisTimer{redisCalls, redisCalls.WithLabelValues("pipeline")})

	return s.exposition(reg)
}

// scrapedRegistry returns a new registry with the collectors that need no
// hook: everything they report is read when scraped.
func (s *Server) scrapedRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newNodeCollector(s.node),
	)
	reg.MustRegister(counterFuncs(s.node.Metrics())...)
	return reg
}

// exposition serves reg at GET /metrics in the format the scraper asks
// for (the Prometheus text format when it asks for none).
func (s *Server) exposition(reg *prometheus.Registry) http.Handler {
	return metricsMethods(promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:      promLogger{s},
		ErrorHandling: promhttp.ContinueOnError,
	}))
}

// metricsMethods answers GET with h, HEAD with the headers alone, and any
// other method with 405. Gauges describe this instance only: sum them over
// instances for the service.
func metricsMethods(h http.Handler) http.Handler {
	head := string(expfmt.NewFormat(expfmt.TypeTextPlain))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		switch r.Method {
		case http.MethodGet:
			h.ServeHTTP(w, r)
		case http.MethodHead:
			w.Header().Set("Content-Type", head)
		default:
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "use GET", http.StatusMethodNotAllowed)
		}
	})
}

// timeRequests wraps every handler of s.table to observe its duration
// under its type. Both the websocket's dispatch and the HTTP functions look
// the handler up in s.table when a request comes (Server.run), so both are
// timed. Unknown types are rejected before the table and are not observed:
// the label's values are the table's names only.
func (s *Server) timeRequests(h *prometheus.HistogramVec) {
	for name, e := range s.table {
		obs, next := h.WithLabelValues(name), e.handle
		e.handle = func(ctx context.Context, c *Call) error {
			start := time.Now()
			err := next(ctx, c)
			obs.Observe(time.Since(start).Seconds())
			return err
		}
		s.table[name] = e
	}
}

// promLogger logs the errors of a scrape (a collector that failed) at the
// edge, once each.
type promLogger struct{ s *Server }

func (l promLogger) Println(v ...any) { l.s.log.Error("metrics scrape", "error", fmt.Sprint(v...)) }
