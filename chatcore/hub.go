package chatcore

import (
	"context"
	"errors"
	"hash/maphash"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
)

// Hub holds the websocket connections of one process: which channel each
// has joined, which user each is signed in as, and the fan-out of frames the
// bridge reads from Redis to them.
type Hub struct {
	node *Node

	// presenceLocks serialise the sign-in and sign-out of one user on this
	// instance, so that "first connection" and "last connection" decisions
	// and the Redis calls that follow them happen in order.
	presenceLocks [64]sync.Mutex
	seed          maphash.Seed

	mu       sync.RWMutex
	conns    map[*Conn]struct{}
	channels map[string]*hubChannel // by channel ID
	users    map[string]*hubUser    // by user ID
	topics   map[string]topicTarget // bridge topic -> what it feeds
	closing  bool
	wg       sync.WaitGroup // one per Serve
}

type hubChannel struct {
	conns map[*Conn]struct{}
	last  atomic.Int64 // highest offset seen on this channel: where a gap fill starts
	// synced is set once last is known: a join has read the channel, or a
	// message came. Until then a gap fill would start from nothing.
	synced atomic.Bool
}

type hubUser struct {
	user  User
	conns map[*Conn]struct{}
}

type topicKind int

const (
	topicChannel topicKind = iota + 1
	topicUser
	topicBroadcast
)

type topicTarget struct {
	kind topicKind
	id   string
}

// ErrClosing is returned by Serve once Shutdown has begun.
var ErrClosing = errors.New("server is shutting down")

func newHub(n *Node) *Hub {
	return &Hub{
		node:     n,
		seed:     maphash.MakeSeed(),
		conns:    map[*Conn]struct{}{},
		channels: map[string]*hubChannel{},
		users:    map[string]*hubUser{},
		topics:   map[string]topicTarget{n.keys.BroadcastTopic(): {kind: topicBroadcast}},
	}
}

// Accepting reports whether the hub takes new connections.
func (h *Hub) Accepting() bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return !h.closing
}

// Serve runs an upgraded websocket connection until it ends: it sends the
// ready frame, then reads frames and hands each to dispatch, in order, in
// the calling goroutine. It returns when the connection is closed.
func (h *Hub) Serve(ctx context.Context, ws *websocket.Conn, sessionID string, log *slog.Logger, dispatch func(context.Context, *Conn, []byte)) error {
	h.mu.Lock()
	if h.closing {
		h.mu.Unlock()
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseServiceRestart, "server restart"), deadline(h.node.cfg.WriteTimeout))
		_ = ws.Close()
		return ErrClosing
	}
	c := newConn(h, ws, sessionID, log)
	h.conns[c] = struct{}{}
	h.wg.Add(1)
	h.mu.Unlock()
	defer h.wg.Done()
	c.serve(ctx, dispatch)
	return nil
}

// remove forgets a finished connection: it leaves its channel and signs out.
func (h *Hub) remove(ctx context.Context, c *Conn) {
	c.leave(ctx)
	c.signOutLocal(ctx)
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
}

func (h *Hub) presenceLock(userID string) *sync.Mutex {
	return &h.presenceLocks[maphash.String(h.seed, userID)%uint64(len(h.presenceLocks))]
}

// attachUser records that c is signed in as u; the user's first connection
// on this instance subscribes to the user's topic and marks them online.
func (h *Hub) attachUser(ctx context.Context, c *Conn, u User) error {
	lock := h.presenceLock(u.UUID)
	lock.Lock()
	defer lock.Unlock()
	h.mu.Lock()
	hu := h.users[u.UUID]
	first := hu == nil
	if first {
		hu = &hubUser{user: u, conns: map[*Conn]struct{}{}}
		h.users[u.UUID] = hu
		h.topics[h.node.keys.UserTopic(u.UUID)] = topicTarget{kind: topicUser, id: u.UUID}
	}
	hu.conns[c] = struct{}{}
	h.mu.Unlock()
	if !first {
		return nil
	}
	err := h.node.bridge.Subscribe(ctx, h.node.keys.UserTopic(u.UUID))
	if err == nil {
		_, err = h.node.store.SetOnline(ctx, h.node.instance, u)
		if err != nil {
			h.node.bridge.Unsubscribe(h.node.keys.UserTopic(u.UUID))
		}
	}
	if err != nil {
		h.mu.Lock()
		delete(h.users, u.UUID)
		delete(h.topics, h.node.keys.UserTopic(u.UUID))
		h.mu.Unlock()
	}
	return err
}

// detachUser undoes attachUser; the user's last connection on this instance
// unsubscribes and removes this instance's presence mark.
func (h *Hub) detachUser(ctx context.Context, c *Conn, userID string) {
	lock := h.presenceLock(userID)
	lock.Lock()
	defer lock.Unlock()
	h.mu.Lock()
	hu := h.users[userID]
	if hu == nil {
		h.mu.Unlock()
		return
	}
	delete(hu.conns, c)
	last := len(hu.conns) == 0
	if last {
		delete(h.users, userID)
		delete(h.topics, h.node.keys.UserTopic(userID))
	}
	closing := h.closing
	h.mu.Unlock()
	if !last {
		return
	}
	h.node.bridge.Unsubscribe(h.node.keys.UserTopic(userID))
	if closing {
		// The instance is shutting down (a deploy, a scale-in): its clients
		// reconnect to another instance within seconds, so the mark is left
		// to expire rather than flicker every user offline and online.
		return
	}
	if _, err := h.node.store.SetOffline(ctx, h.node.instance, userID); err != nil {
		// The mark expires by itself within PRESENCE_TTL.
		h.node.metrics.RedisErrors.Add(1)
		h.node.log.Warn("presence: set offline failed", "user", userID, "err", err)
	}
}

// joinChannel adds c to channel's local set and its topic.
func (h *Hub) joinChannel(c *Conn, channelID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	hc := h.channels[channelID]
	if hc == nil {
		hc = &hubChannel{conns: map[*Conn]struct{}{}}
		h.channels[channelID] = hc
		h.topics[h.node.keys.ChannelTopic(channelID)] = topicTarget{kind: topicChannel, id: channelID}
	}
	hc.conns[c] = struct{}{}
}

// leaveChannel removes c from channel's local set.
func (h *Hub) leaveChannel(c *Conn, channelID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	hc := h.channels[channelID]
	if hc == nil {
		return
	}
	delete(hc.conns, c)
	if len(hc.conns) == 0 {
		delete(h.channels, channelID)
		delete(h.topics, h.node.keys.ChannelTopic(channelID))
	}
}

// seen raises the channel's highest offset seen.
func (h *Hub) seen(channelID string, offset int64) {
	h.mu.RLock()
	if hc := h.channels[channelID]; hc != nil {
		hc.raise(offset)
	}
	h.mu.RUnlock()
}

func (hc *hubChannel) raise(offset int64) {
	hc.synced.Store(true)
	for {
		cur := hc.last.Load()
		if offset <= cur || hc.last.CompareAndSwap(cur, offset) {
			return
		}
	}
}

// refreshPresence renews this instance's presence marks of its users with
// every presence lock held, so that no user's last connection can leave (and
// their mark be removed) between the list being read and the marks being
// renewed: that would bring them back online.
func (h *Hub) refreshPresence(ctx context.Context) error {
	for i := range h.presenceLocks {
		h.presenceLocks[i].Lock()
		defer h.presenceLocks[i].Unlock()
	}
	h.mu.RLock()
	users := make([]User, 0, len(h.users))
	for _, hu := range h.users {
		users = append(users, hu.user)
	}
	h.mu.RUnlock()
	return h.node.store.RefreshOnline(ctx, h.node.instance, users)
}

// accessKeys returns the access keys in use by signed-in connections.
func (h *Hub) accessKeys() []string {
	h.mu.RLock()
	conns := make([]*Conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.RUnlock()
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

// Stats returns the hub's gauges.
func (h *Hub) Stats() (connections, users, channels int) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.conns), len(h.users), len(h.channels)
}

// shutdown closes every connection with 1012 and waits for them to end, or
// for ctx, after which the rest are cut.
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
			c.cut()
		}
		<-done
		return ctx.Err()
	}
}
