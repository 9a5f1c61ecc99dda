package chatcore

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
)

// Node is one server instance of the chat: the store, the pub/sub bridge,
// the hub of connections and the presence loop, wired together.
type Node struct {
	cfg      Config
	log      *slog.Logger
	rdb      redis.UniversalClient
	keys     Keys
	store    *Store
	bridge   *bridge
	hub      *Hub
	metrics  *Metrics
	instance string

	stop    context.CancelFunc
	loops   sync.WaitGroup
	started bool

	dataEpoch  atomic.Pointer[string] // the chat data's epoch, as last read
	firstPages firstPages             // the users listing's first pages (listing_cache.go)
}

// New returns a node over rdb. It starts nothing: call Start.
func New(cfg Config, rdb redis.UniversalClient, log *slog.Logger) (*Node, error) {
	if rdb == nil {
		return nil, errors.New("chatcore: nil Redis client")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := &Node{
		cfg:      cfg,
		log:      log,
		rdb:      rdb,
		keys:     NewKeys(cfg.KeyPrefix),
		store:    NewStore(rdb, cfg).withLog(log),
		metrics:  &Metrics{},
		instance: uuid.NewString(),
	}
	n.bridge = newBridge(rdb, log, n.metrics, n.keys.ChannelLog(General().ID))
	n.hub = newHub(n)
	n.bridge.onMessage = n.hub.onPublish
	n.bridge.onConfirmed = n.hub.onConfirmed
	return n, nil
}

// Start starts the node's background work: the hub's delivery workers, the
// pub/sub bridge (subscribed to the broadcast topic), the presence loop and
// the position check. It does not wait for Redis: while Redis cannot be
// reached the node keeps trying, and requests fail with 503. Shutdown
// stops them.
func (n *Node) Start(ctx context.Context) error {
	if n.started {
		return errors.New("chatcore: node started twice")
	}
	n.started = true
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	n.stop = stop
	n.hub.startWorkers()
	n.bridge.Subscribe(n.keys.BroadcastTopic())
	n.bridge.Subscribe(n.keys.InstanceTopic(n.instance))
	n.loops.Add(4)
	go func() { defer n.loops.Done(); n.migrateUsers(runCtx) }()
	go func() { defer n.loops.Done(); n.bridge.run(runCtx) }()
	go func() { defer n.loops.Done(); n.presenceLoop(runCtx) }()
	go func() { defer n.loops.Done(); n.positionLoop(runCtx) }()
	return nil
}

// Shutdown closes every connection with 1012 and waits for them (until ctx
// ends, then cuts the rest), then stops the background work. It does not
// close the Redis client, which the caller owns.
func (n *Node) Shutdown(ctx context.Context) error {
	err := n.hub.shutdown(ctx)
	n.stopLoops()
	return err
}

// Kill stops the node's background work without closing its connections
// or removing its presence: what a crashed instance looks like to the
// others. For tests.
func (n *Node) Kill() { n.stopLoops() }

func (n *Node) stopLoops() {
	if n.stop != nil {
		n.stop()
	}
	n.loops.Wait()
	n.hub.stopWorkers()
}

// migrateUsers copies the accounts of an older version's layout into the
// buckets (migrate_users.go), once Redis answers.
func (n *Node) migrateUsers(ctx context.Context) {
	for attempt := 0; ctx.Err() == nil; attempt++ {
		rctx, cancel := context.WithTimeout(ctx, time.Minute)
		added, err := n.store.MigrateUsers(rctx)
		cancel()
		if err == nil {
			if added > 0 {
				n.log.Info("accounts copied from the single-slot layout", "users", added)
			}
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(min(time.Duration(attempt+1)*time.Second, 30*time.Second)):
		}
	}
}

// every runs fn every period, with a deadline of at most 5 s, until ctx ends.
func every(ctx context.Context, period time.Duration, fn func(context.Context)) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		fn(rctx)
		cancel()
	}
}

// presenceLoop renews this instance's presence marks and access keys, and
// sweeps the marks of dead instances, every PRESENCE_REFRESH.
func (n *Node) presenceLoop(ctx context.Context) {
	every(ctx, n.cfg.PresenceRefresh, func(ctx context.Context) {
		start := time.Now()
		users, err := n.hub.refreshPresence(ctx)
		if err != nil {
			n.redisError("presence refresh", err)
		}
		keys := n.hub.accessKeys()
		gone, err := n.store.TouchAccessKeys(ctx, keys)
		if err != nil {
			n.redisError("access key refresh", err)
		}
		n.hub.endSessions(gone)
		took := time.Since(start)
		if observe := n.metrics.PresenceRefresh; observe != nil {
			observe(took)
		}
		n.log.Debug("presence and access keys renewed", "users", users, "keys", len(keys), "took", took)
		if gone, err := n.store.SweepPresence(ctx, n.cfg.PresenceRefresh); err != nil {
			n.redisError("presence sweep", err)
		} else if gone > 0 {
			n.log.Info("presence: users of a silent instance went offline", "users", gone)
		}
	})
}

// positionLoop checks every POSITION_CHECK that the local channels are at
// their streams' tops, and reads the data epoch again.
func (n *Node) positionLoop(ctx context.Context) {
	every(ctx, n.cfg.PositionCheck, func(ctx context.Context) {
		if err := n.hub.checkPositions(ctx); err != nil {
			n.redisError("position check", err)
		}
		n.readDataEpoch(ctx)
	})
}

// refreshDataEpoch reads the chat data's epoch (creating it in an empty
// Redis) in the background.
func (n *Node) refreshDataEpoch() {
	go func() {
		ctx, cancel := context.WithTimeout(n.hub.ctx, 5*time.Second)
		defer cancel()
		n.readDataEpoch(ctx)
	}()
}

// readDataEpoch reads the chat data's epoch (creating it in an empty Redis).
func (n *Node) readDataEpoch(ctx context.Context) {
	e, err := n.store.DataEpoch(ctx)
	if err != nil {
		n.redisError("read data epoch", err)
		return
	}
	if old := n.dataEpoch.Swap(&e); old != nil && *old != e {
		n.log.Warn("the chat's data epoch changed: Redis lost its data", "was", *old, "now", e)
	}
}

// DataEpoch returns the chat data's epoch as last read, "" before the
// first read.
func (n *Node) DataEpoch() string {
	if e := n.dataEpoch.Load(); e != nil {
		return *e
	}
	return ""
}

func (n *Node) redisError(what string, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	n.metrics.RedisErrors.Add(1)
	n.log.Warn(what+" failed", "err", err)
}

// Ping checks that Redis answers.
func (n *Node) Ping(ctx context.Context) error { return n.rdb.Ping(ctx).Err() }

// Store returns the node's store.
func (n *Node) Store() *Store { return n.store }

// Hub returns the node's hub of connections.
func (n *Node) Hub() *Hub { return n.hub }

// Config returns the node's configuration.
func (n *Node) Config() Config { return n.cfg }

// Metrics returns the node's counters.
func (n *Node) Metrics() *Metrics { return n.metrics }

// Log returns the node's logger.
func (n *Node) Log() *slog.Logger { return n.log }

// Topics returns how many pub/sub topics the node is subscribed to.
func (n *Node) Topics() int { return n.bridge.topicCount() }

// Redis returns the node's Redis client (to add hooks: metrics, tracing).
func (n *Node) Redis() redis.UniversalClient { return n.rdb }
