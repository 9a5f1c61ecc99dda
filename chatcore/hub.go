package chatcore

import (
	"context"
	"errors"
	"hash/maphash"
	"log/slog"
	"sync"

	"github.com/gorilla/websocket"
)

// Hub holds the websocket connections of one process: which channel each
// has joined, which user each is signed in as, and the fan-out of frames the
// bridge reads from Redis to them.
//
// Channels and users are split over shards by the hash of their ID. Each
// shard has one worker goroutine that delivers its frames in order, so
// that the bridge's reader never waits on a client and both cores deliver.
// A channel's delivery state (its epoch, the offset delivered last, the
// frames held during a catch-up) belongs to its shard's worker.
type Hub struct {
	node    *Node
	seed    maphash.Seed
	shards  []*shard
	view    *presenceView
	sockets *sockets // open websockets by client address (admission.go)

	// presenceLocks serialise the sign-in and sign-out of one user on this
	// instance, so that "first connection" and "last connection" decisions
	// and the Redis calls that follow them happen in order.
	presenceLocks [64]sync.Mutex

	ctx  context.Context // ends when the node stops: catch-ups give up
	stop context.CancelFunc

	mu      sync.Mutex
	conns   map[*Conn]struct{}
	closing bool
	wg      sync.WaitGroup // one per Serve
	workers sync.WaitGroup
}

// shardCount is the number of hub shards: a few per core is enough for
// the locks and workers not to be what a fan-out waits on.
const shardCount = 16

// ErrClosing is returned by Serve once Shutdown has begun.
var ErrClosing = errors.New("server is shutting down")

func newHub(n *Node) *Hub {
	ctx, stop := context.WithCancel(context.Background())
	h := &Hub{node: n, seed: maphash.MakeSeed(), conns: map[*Conn]struct{}{}, ctx: ctx, stop: stop}
	h.view = newPresenceView(h)
	h.sockets = newSockets(n.cfg)
	for range shardCount {
		h.shards = append(h.shards, newShard(h))
	}
	return h
}

// startWorkers starts one delivery goroutine per shard.
func (h *Hub) startWorkers() {
	for _, s := range h.shards {
		h.workers.Add(1)
		go func() { defer h.workers.Done(); s.work(h.ctx) }()
	}
}

// stopWorkers ends the delivery goroutines and every catch-up.
func (h *Hub) stopWorkers() {
	h.stop()
	h.workers.Wait()
}

func (h *Hub) shardOf(id string) *shard {
	return h.shards[maphash.String(h.seed, id)%uint64(len(h.shards))]
}

// Accepting reports whether the hub takes new connections.
func (h *Hub) Accepting() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return !h.closing
}

// Serve starts running an upgraded websocket connection and returns: the
// connection's own goroutine sends the ready frame, then reads frames and
// hands each to dispatch, in order, until the connection ends. The caller
// (an HTTP handler whose connection was hijacked) returns at once, so that
// net/http's goroutine, buffers and request are not held for the life of
// the connection. Shutdown waits for every connection. ended runs once the
// connection has ended (or was refused).
func (h *Hub) Serve(ctx context.Context, ws *websocket.Conn, sessionID string, log *slog.Logger, dispatch func(context.Context, *Conn, []byte), ended func()) error {
	h.mu.Lock()
	if h.closing {
		h.mu.Unlock()
		ended()
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseServiceRestart, "server restart"), deadline(h.node.cfg.WriteTimeout))
		_ = ws.Close()
		return ErrClosing
	}
	c := newConn(h, ws, sessionID, log)
	h.conns[c] = struct{}{}
	h.wg.Add(1)
	h.mu.Unlock()
	go func() {
		defer h.wg.Done()
		defer ended()
		c.serve(ctx, dispatch)
	}()
	return nil
}

// remove forgets a finished connection: it leaves its channel and signs out.
func (h *Hub) remove(ctx context.Context, c *Conn) {
	c.leave(ctx)
	c.signOutLocal(ctx, false)
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
}

// onPublish hands a payload the bridge read to the shard it is for. It
// never waits on a client; it waits only when a shard's queue is full.
func (h *Hub) onPublish(topic string, payload []byte) {
	hdr, frame, ok := parsePayload(payload)
	if !ok {
		h.node.log.Error("bridge: malformed payload", "topic", topic, "bytes", len(payload))
		return
	}
	kind, id, ok := h.node.keys.parseTopic(topic)
	if !ok {
		return
	}
	if kind == topicInstance {
		h.view.marker(string(frame))
		return
	}
	j := job{kind: jobLive, topic: kind, id: id, hdr: hdr, frame: frame}
	if kind != topicBroadcast {
		h.shardOf(id).send(j)
		return
	}
	if h.view.observe(frame) {
		return // presence: the view pushes it, gathered
	}
	j.pm = prepare(frame)
	for _, s := range h.shards {
		s.send(j)
	}
}

// onConfirmed runs when Redis confirmed a subscription: a channel (or a
// user's notifications) catches up from the store with what may have been
// published before; the broadcast topic brings presence up to date.
func (h *Hub) onConfirmed(topic string) {
	kind, id, ok := h.node.keys.parseTopic(topic)
	if !ok {
		return
	}
	switch kind {
	case topicChannel, topicUser:
		h.shardOf(id).send(job{kind: jobResync, topic: kind, id: id})
	case topicBroadcast:
		h.node.refreshDataEpoch()
		go h.view.resync(h.ctx)
	}
}

func (h *Hub) presenceLock(userID string) *sync.Mutex {
	return &h.presenceLocks[maphash.String(h.seed, userID)%uint64(len(h.presenceLocks))]
}

// Stats returns the hub's gauges.
func (h *Hub) Stats() (connections, users, channels int) {
	h.mu.Lock()
	connections = len(h.conns)
	h.mu.Unlock()
	for _, s := range h.shards {
		s.mu.Lock()
		users += len(s.users)
		channels += len(s.channels)
		s.mu.Unlock()
	}
	return connections, users, channels
}

// QueueDepths returns how many jobs wait for the shards' workers and how
// many frames wait in connections' send queues.
func (h *Hub) QueueDepths() (jobs, frames int) {
	for _, s := range h.shards {
		jobs += len(s.jobs)
	}
	h.mu.Lock()
	conns := make([]*Conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.mu.Lock()
		frames += len(c.queue)
		c.mu.Unlock()
	}
	return jobs, frames
}

// accessKeys returns the access keys in use by signed-in connections.
func (h *Hub) accessKeys() []string {
	h.mu.Lock()
	conns := make([]*Conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	seen := map[string]bool{}
	var keys []string
	for _, c := range conns {
		if k := c.AccessKey(); k != "" && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// endSessions signs out and closes the connections signed in with keys
// that no longer work.
func (h *Hub) endSessions(keys []string) {
	if len(keys) == 0 {
		return
	}
	h.mu.Lock()
	conns := make([]*Conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	gone := make(map[string]bool, len(keys))
	for _, k := range keys {
		gone[k] = true
	}
	for _, c := range conns {
		if k := c.AccessKey(); gone[k] {
			c.endSession(hashKey(k), nil)
		}
	}
}

// shutdown closes every connection with 1012 and waits for them to end, or
// for ctx, after which the rest are cut and their handlers' contexts
// cancelled.
func (h *Hub) shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closing = true
	conns := make([]*Conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.closeWith(websocket.CloseServiceRestart, "server restart")
	}
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, c := range conns {
			c.abort()
		}
		<-done
		return ctx.Err()
	}
}
