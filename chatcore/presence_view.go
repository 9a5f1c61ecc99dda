package chatcore

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"time"
)

// presenceView is what this instance's connections were told of presence:
// the users it pushed as online. Presence pushes lost in a pub/sub gap
// leave it (and the connections) wrong; after every new subscription of
// the broadcast topic, resync reads who is online from Redis and pushes
// the differences.
type presenceView struct {
	hub *Hub

	mu       sync.Mutex
	online   map[string]User
	changed  map[string]uint64 // user ID -> tick of the last live push about them
	tick     uint64
	pending  map[string]User    // changes gathered for the next push, by user
	order    []string           // their users, in the order they first changed
	flushing *time.Timer        // the push of what is gathered
	markers  map[string]*marker // markers published, by token
	syncing  sync.Mutex         // one resync at a time
	synced   bool               // a resync has filled the view
}

func newPresenceView(h *Hub) *presenceView {
	return &presenceView{hub: h, online: map[string]User{}, changed: map[string]uint64{}, pending: map[string]User{}, markers: map[string]*marker{}}
}

// observe records a broadcast frame the bridge read and reports whether it
// was presence (which push delivers, gathered).
func (v *presenceView) observe(frame []byte) bool {
	var f struct {
		Sys struct {
			Type     string `json:"type"`
			Presence *User  `json:"presence"`
		} `json:"sys"`
	}
	if !bytes.Contains(frame, []byte(`"presence"`)) || json.Unmarshal(frame, &f) != nil || f.Sys.Type != "presence" || f.Sys.Presence == nil {
		return false
	}
	u := *f.Sys.Presence
	v.mu.Lock()
	v.tick++
	v.changed[u.UUID] = v.tick
	if u.OnLine {
		v.online[u.UUID] = u
	} else {
		delete(v.online, u.UUID)
	}
	v.mu.Unlock()
	v.push([]User{u})
	return true
}

// push delivers presence changes to every signed-in connection: at once
// when PRESENCE_BATCH is 0, else gathered for that long and sent as one
// frame per connection with the latest state of each user.
func (v *presenceView) push(users []User) {
	window := v.hub.node.cfg.PresenceBatch
	v.mu.Lock()
	if window > 0 {
		for _, u := range users {
			if _, ok := v.pending[u.UUID]; !ok {
				v.order = append(v.order, u.UUID)
			}
			v.pending[u.UUID] = u
		}
		if v.flushing == nil {
			v.flushing = time.AfterFunc(window, v.flush)
		}
		v.mu.Unlock()
		return
	}
	v.mu.Unlock()
	v.send(users)
}

// flush sends what push gathered.
func (v *presenceView) flush() {
	v.mu.Lock()
	users := make([]User, 0, len(v.order))
	for _, id := range v.order {
		users = append(users, v.pending[id])
	}
	clear(v.pending)
	v.order, v.flushing = v.order[:0], nil
	v.mu.Unlock()
	v.send(users)
}

// send hands presence changes to every shard, for each connection to be
// told of those in its view (presence_fanout.go).
func (v *presenceView) send(users []User) {
	if len(users) == 0 {
		return
	}
	v.hub.node.metrics.PresencePushes.Add(1)
	v.hub.node.metrics.PresenceChanges.Add(int64(len(users)))
	if observe := v.hub.node.metrics.PresenceBatch; observe != nil {
		observe(len(users))
	}
	j := job{kind: jobLive, topic: topicBroadcast, presence: newPresenceFanout(users)}
	for _, s := range v.hub.shards {
		s.send(j)
	}
}

// version changes with every presence change the view takes in.
func (v *presenceView) version() uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.tick
}

// marker is a marker published and awaited: it is back when every copy
// published came back.
type marker struct {
	left int
	back chan struct{}
}

// marker takes a marker of this instance that came back through pub/sub.
func (v *presenceView) marker(token string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if m := v.markers[token]; m != nil {
		if m.left--; m.left == 0 {
			close(m.back)
			delete(v.markers, token)
		}
	}
}

// awaitMarker publishes a marker on this instance's topic and waits for it
// to come back: every presence frame published before is then observed.
// On a cluster, presence frames come from the primaries of the presence
// buckets, and pub/sub keeps the order of what one node publishes only:
// the marker is published on every primary and awaited from each.
func (v *presenceView) awaitMarker(ctx context.Context) error {
	n := v.hub.node
	token := newEpoch()
	publishers, err := primaries(ctx, n.rdb)
	if err != nil {
		return err
	}
	m := &marker{left: len(publishers), back: make(chan struct{})}
	v.mu.Lock()
	v.markers[token] = m
	v.mu.Unlock()
	defer func() {
		v.mu.Lock()
		delete(v.markers, token)
		v.mu.Unlock()
	}()
	frame := header{}.encode([]byte(token))
	for _, p := range publishers {
		if err := p.Publish(ctx, n.keys.InstanceTopic(n.instance), frame).Err(); err != nil {
			return err
		}
	}
	select {
	case <-m.back:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// resync brings the view, and every signed-in connection, up to date with
// Redis. The differences are applied once a marker published after the
// read has come back, so that every presence frame published before the
// read has been observed; a user observed changing since the resync began
// is left as observed.
func (v *presenceView) resync(ctx context.Context) {
	v.syncing.Lock()
	defer v.syncing.Unlock()
	v.mu.Lock()
	start := v.tick
	v.mu.Unlock()
	var now []User
	for attempt := 0; ; attempt++ {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		var err error
		now, err = v.hub.node.store.OnlineUsers(rctx)
		if err == nil {
			err = v.awaitMarker(rctx)
		}
		cancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return
		}
		if attempt == 0 {
			v.hub.node.log.Warn("presence resync failed, retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(min(time.Duration(attempt+1)*200*time.Millisecond, 2*time.Second)):
		}
	}
	isOnline := make(map[string]User, len(now))
	for _, u := range now {
		isOnline[u.UUID] = u
	}
	var pushes []User
	v.mu.Lock()
	for id, u := range v.online {
		if _, ok := isOnline[id]; !ok && v.changed[id] <= start {
			delete(v.online, id)
			u.OnLine = false
			pushes = append(pushes, u)
		}
	}
	for id, u := range isOnline {
		if _, ok := v.online[id]; !ok && v.changed[id] <= start {
			v.online[id] = u
			pushes = append(pushes, u)
		}
	}
	clear(v.changed) // ticks before now no longer matter
	v.tick++         // a new version, for readers of version
	v.mu.Unlock()
	if !v.synced {
		// The first fill of the view at start: connections that came meanwhile
		// read presence with their users request.
		v.synced = true
		return
	}
	if len(pushes) > 0 {
		v.hub.node.log.Info("presence brought up to date", "changes", len(pushes))
	}
	v.push(pushes)
}

// presenceBatchFrame is the push of several presence changes at once.
func presenceBatchFrame(users []User) []byte {
	b, _ := Frame("sys", map[string]any{"type": "presenceBatch", "presenceBatch": users})
	return b
}

// presenceFrame is the presence push of u.
func presenceFrame(u User) []byte {
	b, _ := Frame("sys", map[string]any{"type": "presence", "presence": u})
	return b
}
