package chatcore

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// Reads of users and presence spread over the buckets: one command per
// bucket, all in one pipeline (on a cluster, one round trip per primary,
// in parallel).

// queueNames queues the reads of the display names of ids on pipe; after
// Exec, the function returned gives them, "" for an unknown ID.
func (s *Store) queueNames(ctx context.Context, pipe redis.Pipeliner, ids []string) func() []string {
	groups := byBucket(ids)
	cmds := make(map[int]*redis.SliceCmd, len(groups))
	for b, idx := range groups {
		fields := make([]string, len(idx))
		for j, i := range idx {
			fields[j] = ids[i]
		}
		cmds[b] = pipe.HMGet(ctx, s.keys.UserNames(b), fields...)
	}
	return func() []string {
		out := make([]string, len(ids))
		for b, idx := range groups {
			vals := cmds[b].Val()
			for j, i := range idx {
				if j < len(vals) {
					out[i], _ = vals[j].(string)
				}
			}
		}
		return out
	}
}

// queueListedOnline queues, for index members (sortMember), the check of
// whether each is in the online part of the listing (PresenceByName).
func (s *Store) queueListedOnline(ctx context.Context, pipe redis.Pipeliner, members []string) func() []bool {
	ids := make([]string, len(members))
	for i, m := range members {
		ids[i] = memberID(m)
	}
	groups := byBucket(ids)
	cmds := make(map[int]*redis.Cmd, len(groups))
	for b, idx := range groups {
		args := make([]any, 0, len(idx)+2)
		args = append(args, "ZMSCORE", s.keys.PresenceByName(b))
		for _, i := range idx {
			args = append(args, members[i])
		}
		cmds[b] = pipe.Do(ctx, args...) // raw: nil for a member that is absent
	}
	return func() []bool {
		out := make([]bool, len(members))
		for b, idx := range groups {
			vals, _ := cmds[b].Val().([]any)
			for j, i := range idx {
				out[i] = j < len(vals) && vals[j] != nil
			}
		}
		return out
	}
}

// queueUserCount queues the count of every user; the function returned
// gives it after Exec.
func (s *Store) queueUserCount(ctx context.Context, pipe redis.Pipeliner) func() int64 {
	cmds := make([]*redis.IntCmd, Buckets)
	for b := range cmds {
		cmds[b] = pipe.ZCard(ctx, s.keys.UsersSorted(b))
	}
	return func() int64 {
		var n int64
		for _, c := range cmds {
			n += c.Val()
		}
		return n
	}
}

// UserCount returns how many users there are.
func (s *Store) UserCount(ctx context.Context) (int64, error) {
	pipe := s.rdb.Pipeline()
	count := s.queueUserCount(ctx, pipe)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, err
	}
	return count(), nil
}
