package chatcore

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"
)

// rangeIndex reads, in name order, up to chunk members after from of the
// online part of the listing (PresenceByName) or of every user
// (UsersSorted), merging the index's buckets. more reports whether members
// after the last one returned may exist.
//
// Each bucket is read a little over its share of chunk; a bucket that gave
// all it was asked for may hold more, so the merge keeps only members up to
// the smallest last member of such buckets: up to there, every bucket gave
// all it has.
func (s *Store) rangeIndex(ctx context.Context, online bool, from string, chunk int64) (got []string, more bool, err error) {
	per := chunk*2/Buckets + 8
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.StringSliceCmd, Buckets)
	for b := range cmds {
		key := s.keys.UsersSorted(b)
		if online {
			key = s.keys.PresenceByName(b)
		}
		cmds[b] = pipe.ZRangeByLex(ctx, key, &redis.ZRangeBy{Min: lexAfter(from), Max: "+", Count: per})
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, false, fmt.Errorf("list users: %w", err)
	}
	var bound string
	full := false
	for _, c := range cmds {
		part := c.Val()
		got = append(got, part...)
		if int64(len(part)) == per {
			if last := part[len(part)-1]; !full || last < bound {
				bound = last
			}
			full = true
		}
	}
	if full {
		got = slices.DeleteFunc(got, func(m string) bool { return m > bound })
	}
	slices.Sort(got)
	if int64(len(got)) > chunk {
		return got[:chunk], true, nil
	}
	return got, full, nil
}
