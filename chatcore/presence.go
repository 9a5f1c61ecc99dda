package chatcore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Presence: a user is online while any instance holds a live mark for them.
// Each instance marks the users signed in on it when their first local
// connection signs in, renews the marks every PRESENCE_REFRESH, and removes
// a mark when the user's last local connection goes. A mark lives
// PRESENCE_TTL, so the users of an instance that died go offline by
// themselves: every instance sweeps expired marks and the one that removes
// the last mark publishes the offline event, once.

// presenceField is the hash field of instance's mark.
func presenceField(instance string) string { return "i:" + instance }

// userJSON is u's JSON without OnLine, as the presence scripts splice it.
func userJSON(u User) string {
	b, _ := json.Marshal(struct {
		UUID     string `json:"UUID"`
		Username string `json:"Username"`
	}{u.UUID, u.Username})
	return string(b)
}

// SetOnline marks u online on instance. It reports whether u came online.
func (s *Store) SetOnline(ctx context.Context, instance string, u User) (bool, error) {
	now := time.Now()
	n, err := s.scripts.presenceSet.Run(ctx, s.rdb, s.presenceKeys(u.UUID), s.presenceSetArgs(instance, u, now)...).Int()
	if err != nil {
		return false, fmt.Errorf("set %s online: %w", u.UUID, err)
	}
	return n == 1, nil
}

// RenewOnline renews the marks of users on instance in one round trip and
// returns the users whose mark was gone (swept after a long Redis outage):
// the caller marks them again with SetOnline.
func (s *Store) RenewOnline(ctx context.Context, instance string, users []User) ([]User, error) {
	if len(users) == 0 {
		return nil, nil
	}
	var gone []User
	for len(users) > 0 {
		n := min(len(users), renewBatch)
		g, err := s.renewBatch(ctx, instance, users[:n])
		if err != nil {
			return gone, err
		}
		gone = append(gone, g...)
		users = users[n:]
	}
	return gone, nil
}

// renewBatch is how many marks one pipeline renews: a refresh of 10,000
// users is 20 round trips, none of them long.
const renewBatch = 500

func (s *Store) renewBatch(ctx context.Context, instance string, users []User) ([]User, error) {
	expiry := time.Now().Add(s.cfg.PresenceTTL).UnixMilli()
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.Cmd, len(users))
	for i, u := range users {
		cmds[i] = s.scripts.presenceRenew.EvalSha(ctx, pipe, s.presenceKeys(u.UUID), u.UUID, presenceField(instance), expiry)
	}
	_, err := pipe.Exec(ctx)
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		// Redis restarted and forgot the script: load it and try once more.
		if err = s.scripts.presenceRenew.Load(ctx, s.rdb).Err(); err == nil {
			return s.renewBatch(ctx, instance, users)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("renew presence of %d users: %w", len(users), err)
	}
	var gone []User
	for i, c := range cmds {
		if n, _ := c.Int(); n == 0 {
			gone = append(gone, users[i])
		}
	}
	return gone, nil
}

// SetOffline removes instance's mark of userID. It reports whether the user
// went offline.
func (s *Store) SetOffline(ctx context.Context, instance, userID string) (bool, error) {
	n, err := s.scripts.presenceRemove.Run(ctx, s.rdb, s.presenceKeys(userID),
		userID, presenceField(instance), nowMillis(), s.keys.BroadcastTopic()).Int()
	if err != nil {
		return false, fmt.Errorf("set %s offline: %w", userID, err)
	}
	return n == 1, nil
}

// sweepBatch is how many expired users one sweep round takes offline, in
// one pipeline.
const sweepBatch = 500

// SweepPresence takes offline the users whose marks all expired (their
// instance died) and returns how many went offline. One instance sweeps at
// a time (a lock that lives one period); a sweep takes pipelined batches
// of sweepBatch until none is left or ctx ends.
func (s *Store) SweepPresence(ctx context.Context, period time.Duration) (int, error) {
	ok, err := s.rdb.SetNX(ctx, s.keys.PresenceSweeper(), "1", period).Result()
	if err != nil || !ok {
		return 0, err
	}
	gone := 0
	for b := 0; b < Buckets; b++ {
		n, err := s.sweepBucket(ctx, b)
		gone += n
		if err != nil {
			return gone, err
		}
	}
	return gone, nil
}

// sweepBucket is SweepPresence on the presence of one bucket.
func (s *Store) sweepBucket(ctx context.Context, b int) (int, error) {
	gone := 0
	for ctx.Err() == nil {
		now := nowMillis()
		ids, err := s.rdb.ZRangeByScore(ctx, s.keys.PresenceOnline(b), &redis.ZRangeBy{
			Min: "-inf", Max: strconv.FormatInt(now, 10), Count: sweepBatch,
		}).Result()
		if err != nil {
			return gone, fmt.Errorf("sweep presence: %w", err)
		}
		if len(ids) == 0 {
			return gone, nil
		}
		pipe := s.rdb.Pipeline()
		cmds := make([]*redis.Cmd, len(ids))
		for i, id := range ids {
			cmds[i] = s.scripts.presenceRemove.EvalSha(ctx, pipe, s.presenceKeys(id), id, "", now, s.keys.BroadcastTopic())
		}
		_, err = pipe.Exec(ctx)
		if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
			if err = s.scripts.presenceRemove.Load(ctx, s.rdb).Err(); err == nil {
				continue // the same batch again, with the script loaded
			}
		}
		if err != nil {
			return gone, fmt.Errorf("sweep presence of %d users: %w", len(ids), err)
		}
		for _, c := range cmds {
			if n, _ := c.Int(); n == 1 {
				gone++
			}
		}
		if len(ids) < sweepBatch {
			return gone, nil
		}
	}
	return gone, ctx.Err()
}

func (s *Store) presenceKeys(userID string) []string {
	b := UserBucket(userID)
	return []string{s.keys.PresenceOnline(b), s.keys.PresenceUser(userID), s.keys.PresenceByName(b)}
}

func (s *Store) presenceSetArgs(instance string, u User, now time.Time) []any {
	return []any{u.UUID, userJSON(u), presenceField(instance),
		now.Add(s.cfg.PresenceTTL).UnixMilli(), now.UnixMilli(), s.keys.BroadcastTopic(), sortMember(u.Username, u.UUID)}
}
