package chatcore

import (
	"context"
	"encoding/json"
	"errors"
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
			return s.RenewOnline(ctx, instance, users)
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

// SweepPresence takes offline the users whose marks all expired (their
// instance died) and returns how many went offline.
func (s *Store) SweepPresence(ctx context.Context) (int, error) {
	ids, err := s.rdb.ZRangeByScore(ctx, s.keys.PresenceOnline(), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(nowMillis(), 10), Count: 500,
	}).Result()
	if err != nil {
		return 0, fmt.Errorf("sweep presence: %w", err)
	}
	gone := 0
	var errs []error
	for _, id := range ids {
		n, err := s.scripts.presenceRemove.Run(ctx, s.rdb, s.presenceKeys(id), id, "", nowMillis(), s.keys.BroadcastTopic()).Int()
		if err != nil {
			errs = append(errs, fmt.Errorf("sweep %s: %w", id, err))
			continue
		}
		gone += n
	}
	return gone, errors.Join(errs...)
}

func (s *Store) presenceKeys(userID string) []string {
	return []string{s.keys.PresenceOnline(), s.keys.PresenceUser(userID), s.keys.PresenceByName()}
}

func (s *Store) presenceSetArgs(instance string, u User, now time.Time) []any {
	return []any{u.UUID, userJSON(u), presenceField(instance),
		now.Add(s.cfg.PresenceTTL).UnixMilli(), now.UnixMilli(), s.keys.BroadcastTopic(), sortMember(u.Username, u.UUID)}
}
