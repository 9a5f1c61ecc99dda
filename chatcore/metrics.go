package chatcore

import (
	"sync/atomic"
	"time"
)

// Metrics are the process's counters, safe for concurrent use. Gauges are
// read from the hub when asked (see Node.Stats).
type Metrics struct {
	MessagesIn       atomic.Int64 // frames received from clients
	MessagesOut      atomic.Int64 // frames queued to clients
	QueueDrops       atomic.Int64 // frames dropped under load (typing)
	SlowDisconnects  atomic.Int64 // clients disconnected for not keeping up
	RedisErrors      atomic.Int64 // failed Redis calls
	PubSubReconnects atomic.Int64 // times the pub/sub connection was made again
	CaughtUp         atomic.Int64 // messages read from the store that pub/sub had not brought
	RecoveryResets   atomic.Int64 // channels whose members were asked to rejoin: too much missed
	StreamResets     atomic.Int64 // channels whose stream went back under one epoch (lost writes)
	EchoFallbacks    atomic.Int64 // sends whose echo pub/sub had not brought in time
	PresencePushes   atomic.Int64 // presence frames pushed to every connection (one or a batch)
	PresenceChanges  atomic.Int64 // presence changes they carried

	// Delivery, when set before the first connection, is given the end-to-end latency of
	// each stored message written to a socket: from its CreatedAt (the
	// sending instance's clock) to the write.
	Delivery func(time.Duration)
	// PresenceBatch, when set, is given the number of changes of each
	// presence push (1, or the size of a presenceBatch).
	PresenceBatch func(users int)
	// PresenceRefresh, when set, is given how long each renewal of this
	// instance's presence marks and access keys took.
	PresenceRefresh func(time.Duration)
}
