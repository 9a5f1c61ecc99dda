package chatcore

import (
	"context"
	"time"
)

// attachUser records that c is signed in as u; the user's first connection
// on this instance subscribes to the user's topic and marks them online.
func (h *Hub) attachUser(ctx context.Context, c *Conn, u User) error {
	lock := h.presenceLock(u.UUID)
	lock.Lock()
	defer lock.Unlock()
	s := h.shardOf(u.UUID)
	s.mu.Lock()
	hu := s.users[u.UUID]
	first := hu == nil
	if first {
		hu = &hubUser{user: u, conns: map[*Conn]struct{}{}}
		s.users[u.UUID] = hu
	}
	hu.conns[c] = struct{}{}
	if hu.leaving != nil { // back within the grace period: nothing to show
		hu.leaving.Stop()
		hu.leaving = nil
	}
	s.mu.Unlock()
	if !first {
		return nil
	}
	topic := h.node.keys.UserTopic(u.UUID)
	h.node.bridge.Subscribe(topic)
	_, err := h.node.store.SetOnline(ctx, h.node.instance, u)
	var pos string
	if err == nil {
		pos, err = h.node.store.LastNotification(ctx, u.UUID)
	}
	if err != nil {
		h.node.bridge.Unsubscribe(topic)
		s.mu.Lock()
		delete(s.users, u.UUID)
		s.mu.Unlock()
		return err
	}
	h.setNotifyPos(u.UUID, pos)
	return nil
}

// detachUser undoes attachUser. When c was the user's last connection on
// this instance, the user's mark is removed (and the user shown offline
// unless another instance has them) after PRESENCE_GRACE, or at once when
// now; a connection of theirs that comes within the grace cancels it.
func (h *Hub) detachUser(ctx context.Context, c *Conn, userID string, now bool) {
	lock := h.presenceLock(userID)
	lock.Lock()
	defer lock.Unlock()
	s := h.shardOf(userID)
	s.mu.Lock()
	hu := s.users[userID]
	if hu == nil {
		s.mu.Unlock()
		return
	}
	delete(hu.conns, c)
	if len(hu.conns) > 0 || hu.leaving != nil {
		s.mu.Unlock()
		return
	}
	grace := h.node.cfg.PresenceGrace
	if h.Accepting() && !now && grace > 0 {
		hu.leaving = time.AfterFunc(grace, func() { h.leave(userID, hu) })
		s.mu.Unlock()
		return
	}
	delete(s.users, userID)
	s.mu.Unlock()
	h.forget(ctx, userID)
}

// leave ends the grace period of hu: if nobody came back, the user goes.
func (h *Hub) leave(userID string, hu *hubUser) {
	lock := h.presenceLock(userID)
	lock.Lock()
	defer lock.Unlock()
	s := h.shardOf(userID)
	s.mu.Lock()
	if s.users[userID] != hu || len(hu.conns) > 0 {
		s.mu.Unlock()
		return
	}
	delete(s.users, userID)
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(h.ctx, 5*time.Second)
	defer cancel()
	h.forget(ctx, userID)
}

// forget unsubscribes from a user who left this instance and removes the
// instance's presence mark, with the user's presence lock held.
func (h *Hub) forget(ctx context.Context, userID string) {
	h.node.bridge.Unsubscribe(h.node.keys.UserTopic(userID))
	if !h.Accepting() {
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

// refreshPresence renews this instance's presence marks of its users and
// returns how many it has. The
// renewal only extends marks that exist, so it holds no lock: a renewal
// that Redis runs after a user's last connection removed the mark cannot
// bring the user back. Users whose mark is gone (swept while Redis was
// unreachable) are marked again, each under its presence lock and only
// while still here.
func (h *Hub) refreshPresence(ctx context.Context) (int, error) {
	var users []User
	for _, s := range h.shards {
		s.mu.Lock()
		for _, hu := range s.users {
			users = append(users, hu.user)
		}
		s.mu.Unlock()
	}
	gone, err := h.node.store.RenewOnline(ctx, h.node.instance, users)
	if err != nil {
		return len(users), err
	}
	for _, u := range gone {
		h.markAgain(ctx, u)
	}
	return len(users), nil
}

// markAgain marks u online on this instance again, if u is still here.
func (h *Hub) markAgain(ctx context.Context, u User) {
	lock := h.presenceLock(u.UUID)
	lock.Lock()
	defer lock.Unlock()
	s := h.shardOf(u.UUID)
	s.mu.Lock()
	_, here := s.users[u.UUID]
	s.mu.Unlock()
	if !here {
		return
	}
	if _, err := h.node.store.SetOnline(ctx, h.node.instance, u); err != nil {
		h.node.redisError("presence: mark again", err)
	}
}
