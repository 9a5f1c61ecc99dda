package chatcore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Accounts of the layout before buckets (every user in the slot {users})
// are copied into the buckets: all of them once, by the first instance of
// this version that starts (MigrateUsers), and each one again when it is
// looked up and not found, for the accounts that an instance of the older
// version, still running during a deploy, creates after the copy. The old
// keys are only read, never changed: an older instance keeps working on
// them, and they can be deleted once no older instance runs (README).

func (k Keys) legacyUserByName() string    { return k.prefix + "{users}:byname" }
func (k Keys) legacyUserNames() string     { return k.prefix + "{users}:names" }
func (k Keys) legacyUser(id string) string { return k.prefix + "{users}:user:" + id }

// usersMigrated is a STRING set when every account of the old layout was
// copied.
func (k Keys) usersMigrated() string { return k.prefix + "users:migrated" }

// MigrateUsers copies every account of the old layout into the buckets,
// once: it returns at once when that was done, when there is no old data,
// or when another instance is at it. It returns how many accounts it
// copied.
func (s *Store) MigrateUsers(ctx context.Context) (int, error) {
	pipe := s.rdb.Pipeline()
	done := pipe.Exists(ctx, s.keys.usersMigrated())
	old := pipe.Exists(ctx, s.keys.legacyUserNames())
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("migrate users: %w", err)
	}
	if old.Val() == 0 {
		// No older version ever ran on this data, so none runs now that
		// could write the old layout.
		s.noLegacy.Store(true)
		return 0, nil
	}
	if done.Val() == 1 {
		return 0, nil
	}
	ok, err := s.rdb.SetNX(ctx, s.keys.usersMigrated()+":lock", "1", time.Minute).Result()
	if err != nil || !ok {
		return 0, err
	}
	n := 0
	var cursor uint64
	for {
		kv, next, err := s.rdb.HScan(ctx, s.keys.legacyUserByName(), cursor, "*", 200).Result()
		if err != nil {
			return n, fmt.Errorf("migrate users: %w", err)
		}
		batch := make([]legacyAccount, 0, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			batch = append(batch, legacyAccount{key: kv[i], id: kv[i+1]})
		}
		copied, err := s.copyLegacy(ctx, batch...)
		n += copied
		if err != nil {
			return n, fmt.Errorf("migrate users: %w", err)
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	return n, s.rdb.Set(ctx, s.keys.usersMigrated(), time.Now().UTC().Format(time.RFC3339), 0).Err()
}

// adoptLegacyName returns the ID of the old layout's account of the
// normalised username key, copied into the buckets; redis.Nil when there
// is none.
func (s *Store) adoptLegacyName(ctx context.Context, key string) (string, error) {
	if s.noLegacy.Load() {
		return "", redis.Nil
	}
	id, err := s.rdb.HGet(ctx, s.keys.legacyUserByName(), key).Result()
	if err != nil {
		return "", err
	}
	n, err := s.copyLegacy(ctx, legacyAccount{key, id})
	if err != nil {
		return "", err
	}
	if n == 0 {
		return "", redis.Nil // no record: a creation the old layout never finished
	}
	return id, nil
}

// adoptLegacyUser returns the display name of the old layout's account
// id, copied into the buckets; redis.Nil when there is none.
func (s *Store) adoptLegacyUser(ctx context.Context, id string) (string, error) {
	if s.noLegacy.Load() {
		return "", redis.Nil
	}
	name, err := s.rdb.HGet(ctx, s.keys.legacyUser(id), "username").Result()
	if err != nil {
		return "", err
	}
	_, key, err := CleanUsername(name)
	if err != nil {
		return "", fmt.Errorf("old account %s: %w", id, err)
	}
	if _, err := s.copyLegacy(ctx, legacyAccount{key, id}); err != nil {
		return "", err
	}
	return name, nil
}

// legacyAccount is an account of the old layout: its normalised username
// and its ID.
type legacyAccount struct{ key, id string }

// copyLegacy copies accounts of the old layout into the buckets, in two
// round trips (the records, then the copies). Copying again is harmless,
// and a name that a new account took meanwhile stays that account's. It
// returns how many accounts had a record to copy.
func (s *Store) copyLegacy(ctx context.Context, accounts ...legacyAccount) (int, error) {
	pipe := s.rdb.Pipeline()
	recs := make([]*redis.MapStringStringCmd, len(accounts))
	for i, a := range accounts {
		recs[i] = pipe.HGetAll(ctx, s.keys.legacyUser(a.id))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, err
	}
	n := 0
	pipe = s.rdb.Pipeline()
	for i, a := range accounts {
		rec := recs[i].Val()
		name := rec["username"]
		if name == "" || rec["password"] == "" {
			continue // no record: an account the old layout never finished
		}
		b := UserBucket(a.id)
		pipe.HSet(ctx, s.keys.User(a.id), "username", name, "password", rec["password"], "created", rec["created"])
		pipe.HSet(ctx, s.keys.UserNames(b), a.id, name)
		pipe.ZAdd(ctx, s.keys.UsersSorted(b), redis.Z{Member: sortMember(name, a.id)})
		pipe.HSetNX(ctx, s.keys.UserByName(a.key), a.key, a.id)
		n++
	}
	if n == 0 {
		return 0, nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, err
	}
	return n, nil
}
