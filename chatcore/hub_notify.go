package chatcore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Notifications are kept in a log per user (UserNotifyLog) as well as
// published, so that an instance whose pub/sub connection missed some
// catches its connections up: each local user knows the ID of the last
// notification delivered (notifyPos), and every new subscription of the
// user's topic reads the log after it. Frames that arrive meanwhile are
// held and delivered after, each once.

// notifyEntry is one notification read back from a user's log.
type notifyEntry struct {
	id      string
	channel string // connections joined to it skip the frame
	offset  int64  // the message's offset in channel
	frame   []byte
}

// onUserFrame delivers a frame published to a user's topic.
func (s *shard) onUserFrame(hu *hubUser, hdr header, frame []byte) {
	if hdr.revoke != "" {
		pm := prepare(frame)
		for c := range hu.conns {
			c.endSession(hdr.revoke, pm)
		}
		return
	}
	if hdr.notifyID == "" {
		s.deliverUser(hu, hdr, frame)
		return
	}
	if hu.filling {
		hu.held = append(hu.held, heldFrame{hdr, frame})
		return
	}
	if hu.notifyPos != "" && compareStreamIDs(hdr.notifyID, hu.notifyPos) <= 0 {
		return // delivered by a catch-up already
	}
	hu.notifyPos = hdr.notifyID
	s.deliverUser(hu, hdr, frame)
}

func (s *shard) deliverUser(hu *hubUser, hdr header, frame []byte) {
	pm := prepare(frame)
	for c := range hu.conns {
		c.pushUser(hdr, pm)
	}
}

// resyncUser starts a catch-up of hu's notifications, once its position is
// known (attachUser reads it).
func (s *shard) resyncUser(hu *hubUser) {
	if hu.filling || hu.notifyPos == "" {
		return
	}
	hu.filling = true
	hu.gen = catchUps.Add(1)
	go s.hub.fillUser(s, hu.user.UUID, hu.gen, hu.notifyPos)
}

// userFilled delivers what a catch-up of a user's notifications read, then
// the frames held meanwhile.
func (s *shard) userFilled(hu *hubUser, gen uint64, entries []notifyEntry) {
	if !hu.filling || hu.gen != gen {
		return
	}
	hu.filling = false
	for _, e := range entries {
		if compareStreamIDs(e.id, hu.notifyPos) > 0 {
			s.onUserFrame(hu, header{offset: e.offset, skipChannel: e.channel, notifyID: e.id}, e.frame)
		}
	}
	held := hu.held
	hu.held = nil
	for _, f := range held {
		s.onUserFrame(hu, f.hdr, f.frame)
	}
}

// fillUser reads userID's notifications after pos, retrying while Redis
// fails, and hands them to the user's shard worker.
func (h *Hub) fillUser(s *shard, userID string, gen uint64, pos string) {
	backoff := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(h.ctx, 5*time.Second)
		entries, err := h.node.store.NotificationsAfter(ctx, userID, pos)
		cancel()
		if err == nil {
			s.send(job{kind: jobFilled, topic: topicUser, id: userID, gen: gen, notes: entries})
			return
		}
		if h.ctx.Err() != nil || attempt > 30 {
			s.send(job{kind: jobFilled, topic: topicUser, id: userID, gen: gen})
			return
		}
		if attempt == 1 {
			h.node.log.Warn("notification catch-up failed, retrying", "user", userID, "err", err)
		}
		select {
		case <-h.ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

// setNotifyPos records where userID's notifications start for this
// instance, unless a notification was delivered already.
func (h *Hub) setNotifyPos(userID, pos string) {
	s := h.shardOf(userID)
	s.mu.Lock()
	defer s.mu.Unlock()
	if hu := s.users[userID]; hu != nil && hu.notifyPos == "" {
		hu.notifyPos = pos
	}
}

// LastNotification returns the ID of userID's last notification, "0-0"
// when there is none.
func (s *Store) LastNotification(ctx context.Context, userID string) (string, error) {
	e, err := s.rdb.XRevRangeN(ctx, s.keys.UserNotifyLog(userID), "+", "-", 1).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return "", fmt.Errorf("read last notification of %s: %w", userID, err)
	}
	if len(e) == 0 {
		return "0-0", nil
	}
	return e[0].ID, nil
}

// NotificationsAfter returns userID's notifications after the entry pos,
// oldest first (at most as many as the log keeps).
func (s *Store) NotificationsAfter(ctx context.Context, userID, pos string) ([]notifyEntry, error) {
	es, err := s.rdb.XRangeN(ctx, s.keys.UserNotifyLog(userID), "("+pos, "+", notifyLogLength*2).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read notifications of %s: %w", userID, err)
	}
	out := make([]notifyEntry, 0, len(es))
	for _, e := range es {
		f, _ := e.Values["f"].(string)
		ch, _ := e.Values["c"].(string)
		o, _ := e.Values["o"].(string)
		offset, _ := strconv.ParseInt(o, 10, 64) // 0 in entries of older versions
		out = append(out, notifyEntry{id: e.ID, channel: ch, offset: offset, frame: []byte(f)})
	}
	return out, nil
}

// compareStreamIDs orders two stream entry IDs ("<ms>-<seq>").
func compareStreamIDs(a, b string) int {
	am, as := splitStreamID(a)
	bm, bs := splitStreamID(b)
	switch {
	case am != bm:
		return cmpInt(am, bm)
	default:
		return cmpInt(as, bs)
	}
}

func splitStreamID(id string) (ms, seq uint64) {
	l, r, _ := strings.Cut(id, "-")
	ms, _ = strconv.ParseUint(l, 10, 64)
	seq, _ = strconv.ParseUint(r, 10, 64)
	return ms, seq
}

func cmpInt(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
