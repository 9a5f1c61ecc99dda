package chatcore

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// bucketRange reads one part of the users listing (the online users,
// PresenceByName, or every user, UsersSorted) in name order after a
// member, merging the index's buckets: each bucket is read ahead a little
// over its share of a chunk, and a bucket is read again only when what was
// read of it is used up, so that no member is read twice.
type bucketRange struct {
	s      *Store
	online bool
	per    int64             // members read from a bucket at a time
	after  [Buckets]string   // last member read from each bucket
	buf    [Buckets][]string // read and not yet taken, in order
	ended  [Buckets]bool     // the bucket has nothing after buf
}

func (s *Store) newBucketRange(online bool, from string, chunk int64) *bucketRange {
	r := &bucketRange{s: s, online: online, per: chunk*5/4/Buckets + 8}
	for b := range r.after {
		r.after[b] = from
	}
	return r
}

// next returns up to n members in order; more reports whether members
// after them may exist.
func (r *bucketRange) next(ctx context.Context, n int64) (got []string, more bool, err error) {
	for int64(len(got)) < n {
		if err := r.fill(ctx); err != nil {
			return got, false, err
		}
		min := -1
		for b := range r.buf {
			if len(r.buf[b]) > 0 && (min < 0 || r.buf[b][0] < r.buf[min][0]) {
				min = b
			}
		}
		if min < 0 {
			return got, false, nil // every bucket ended
		}
		got = append(got, r.buf[min][0])
		r.buf[min] = r.buf[min][1:]
	}
	for b := range r.buf {
		if len(r.buf[b]) > 0 || !r.ended[b] {
			return got, true, nil
		}
	}
	return got, false, nil
}

// fill reads, in one pipeline, when a bucket that has not ended has an
// empty buffer (until then, no member can be taken in order), that bucket
// and every other one whose buffer is under half a read: buckets empty at
// different times, and each read is a round trip.
func (r *bucketRange) fill(ctx context.Context) error {
	need := false
	var want []int
	for b := range r.buf {
		if !r.ended[b] && int64(len(r.buf[b])) < r.per/2 {
			want = append(want, b)
			need = need || len(r.buf[b]) == 0
		}
	}
	if !need {
		return nil
	}
	pipe := r.s.rdb.Pipeline()
	cmds := make([]*redis.StringSliceCmd, len(want))
	for i, b := range want {
		key := r.s.keys.UsersSorted(b)
		if r.online {
			key = r.s.keys.PresenceByName(b)
		}
		cmds[i] = pipe.ZRangeByLex(ctx, key, &redis.ZRangeBy{Min: lexAfter(r.after[b]), Max: "+", Count: r.per})
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("list users: %w", err)
	}
	for i, b := range want {
		part := cmds[i].Val()
		r.buf[b] = append(r.buf[b], part...)
		r.ended[b] = int64(len(part)) < r.per
		if len(part) > 0 {
			r.after[b] = part[len(part)-1]
		}
	}
	return nil
}
