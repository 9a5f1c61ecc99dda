package chatcore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
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
		store:    NewStore(rdb, cfg),
		metrics:  &Metrics{},
		instance: uuid.NewString(),
	}
	n.bridge = newBridge(rdb, log, n.metrics)
	n.hub = newHub(n)
	n.bridge.onMessage = n.hub.onPublish
	n.bridge.onResubscribe = n.hub.onResubscribe
	return n, nil
}

// Start starts the node's background work: the pub/sub bridge (subscribed to
// the broadcast topic) and the presence loop. It returns once the broadcast
// subscription is confirmed, or ctx ends. Shutdown stops them.
func (n *Node) Start(ctx context.Context) error {
	if n.started {
		return errors.New("chatcore: node started twice")
	}
	n.started = true
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	n.stop = stop
	n.loops.Add(2)
	go func() { defer n.loops.Done(); n.bridge.run(runCtx) }()
	go func() { defer n.loops.Done(); n.presenceLoop(runCtx) }()
	if err := n.bridge.Subscribe(ctx, n.keys.BroadcastTopic()); err != nil {
		return fmt.Errorf("subscribe to broadcasts: %w", err)
	}
	return nil
}

// Shutdown closes every connection with 1012 and waits for them (until ctx
// ends), then stops the background work. It does not close the Redis
// client, which the caller owns.
func (n *Node) Shutdown(ctx context.Context) error {
	err := n.hub.shutdown(ctx)
	if n.stop != nil {
		n.stop()
	}
	n.loops.Wait()
	return err
}

// Kill stops the node's background work without closing its connections
// or removing its presence: what a crashed instance looks like to the
// others. For tests.
func (n *Node) Kill() {
	if n.stop != nil {
		n.stop()
	}
	n.loops.Wait()
}

// presenceLoop renews this instance's presence marks and access keys, and
// sweeps the marks of dead instances, every PRESENCE_REFRESH.
func (n *Node) presenceLoop(ctx context.Context) {
	t := time.NewTicker(n.cfg.PresenceRefresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, min(n.cfg.PresenceRefresh, 5*time.Second))
		if err := n.hub.refreshPresence(rctx); err != nil {
			n.redisError("presence refresh", err)
		}
		if err := n.store.TouchAccessKeys(rctx, n.hub.accessKeys()); err != nil {
			n.redisError("access key refresh", err)
		}
		if gone, err := n.store.SweepPresence(rctx); err != nil {
			n.redisError("presence sweep", err)
		} else if gone > 0 {
			n.log.Info("presence: users of a silent instance went offline", "users", gone)
		}
		cancel()
	}
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
