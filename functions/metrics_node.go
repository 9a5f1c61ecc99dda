package functions

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/redischat/chat/chatcore"
)

// counterFuncs are the node's counters, each read from its atomic when
// scraped. The names and help texts of the first six are those of the
// hand-written exposition this replaced: dashboards may use them.
func counterFuncs(m *chatcore.Metrics) []prometheus.Collector {
	list := []struct {
		name, help string
		v          *atomic.Int64
	}{
		{"chat_messages_in_total", "Frames received from websocket clients.", &m.MessagesIn},
		{"chat_messages_out_total", "Frames queued to websocket clients.", &m.MessagesOut},
		{"chat_queue_drops_total", "Frames dropped from full send queues (typing notices).", &m.QueueDrops},
		{"chat_slow_consumer_disconnects_total", "Clients disconnected for not reading fast enough.", &m.SlowDisconnects},
		{"chat_redis_errors_total", "Failed Redis calls.", &m.RedisErrors},
		{"chat_pubsub_reconnects_total", "Times the Redis pub/sub connection was made again.", &m.PubSubReconnects},
		{"chat_caught_up_messages_total", "Messages read from the store that pub/sub had not brought.", &m.CaughtUp},
		{"chat_recovery_resets_total", "Channels whose members were asked to rejoin: they missed more than the recovery limit.", &m.RecoveryResets},
		{"chat_stream_resets_total", "Channels whose stream went back under one epoch (lost writes).", &m.StreamResets},
		{"chat_echo_fallbacks_total", "Sends whose echo pub/sub had not brought in time.", &m.EchoFallbacks},
	}
	out := make([]prometheus.Collector, len(list))
	for i, c := range list {
		v := c.v
		out[i] = prometheus.NewCounterFunc(prometheus.CounterOpts{Name: c.name, Help: c.help},
			func() float64 { return float64(v.Load()) })
	}
	return out
}

// nodeCollector reports the node's gauges. A scrape asks the hub for its
// stats and its queue depths once each (both take the hub's locks briefly,
// the second walks the connections), not once per gauge.
type nodeCollector struct {
	node                           *chatcore.Node
	conns, users, channels, topics *prometheus.Desc
	queuedJobs, sendQueueFrames    *prometheus.Desc
}

func newNodeCollector(node *chatcore.Node) *nodeCollector {
	d := func(name, help string) *prometheus.Desc { return prometheus.NewDesc(name, help, nil, nil) }
	return &nodeCollector{
		node:            node,
		conns:           d("chat_connections", "Open websocket connections on this instance."),
		users:           d("chat_users_signed_in", "Distinct users signed in on this instance's connections."),
		channels:        d("chat_channels_joined", "Channels joined by at least one connection of this instance."),
		topics:          d("chat_pubsub_topics", "Redis pub/sub topics this instance is subscribed to."),
		queuedJobs:      d("chat_hub_queued_jobs", "Jobs waiting for the hub's shard workers (fan-out, joins, leaves)."),
		sendQueueFrames: d("chat_send_queue_frames", "Frames waiting in connections' send queues, summed over connections."),
	}
}

// Describe implements prometheus.Collector.
func (c *nodeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.conns, c.users, c.channels, c.topics, c.queuedJobs, c.sendQueueFrames} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *nodeCollector) Collect(ch chan<- prometheus.Metric) {
	hub := c.node.Hub()
	conns, users, channels := hub.Stats()
	jobs, frames := hub.QueueDepths()
	for _, g := range []struct {
		d *prometheus.Desc
		v int
	}{
		{c.conns, conns}, {c.users, users}, {c.channels, channels}, {c.topics, c.node.Topics()},
		{c.queuedJobs, jobs}, {c.sendQueueFrames, frames},
	} {
		ch <- prometheus.MustNewConstMetric(g.d, prometheus.GaugeValue, float64(g.v))
	}
}

// observeDelivery sets m's Delivery hook to observe into h, keeping any
// hook set before. A latency below zero (the sending instance's clock is
// ahead of this one's) counts as zero, so the histogram's sum never falls.
func observeDelivery(m *chatcore.Metrics, h prometheus.Histogram) {
	prev := m.Delivery
	m.Delivery = func(d time.Duration) {
		if prev != nil {
			prev(d)
		}
		h.Observe(max(d, 0).Seconds())
	}
}
