package chatcore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// accessKeyLen is the length of an access key: 32 random bytes (256 bits)
// in unpadded base64url.
var accessKeyLen = base64.RawURLEncoding.EncodedLen(32)

// NewAccessKey creates an access key for user. Only its hash is stored; the
// key itself is returned to the client once.
func (s *Store) NewAccessKey(ctx context.Context, userID string) (string, error) {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	key := base64.RawURLEncoding.EncodeToString(b[:])
	if err := s.rdb.Set(ctx, s.keys.Session(hashKey(key)), userID, s.cfg.SessionTTL).Err(); err != nil {
		return "", fmt.Errorf("store access key: %w", err)
	}
	return key, nil
}

// Resume returns the user of an access key and restarts its lifetime.
func (s *Store) Resume(ctx context.Context, key string) (User, error) {
	if len(key) != accessKeyLen {
		return User{}, ErrBadAccessKey
	}
	id, err := s.rdb.GetEx(ctx, s.keys.Session(hashKey(key)), s.cfg.SessionTTL).Result()
	if errors.Is(err, redis.Nil) {
		return User{}, ErrBadAccessKey
	}
	if err != nil {
		return User{}, fmt.Errorf("resume access key: %w", err)
	}
	u, err := s.UserByID(ctx, id)
	if errors.Is(err, ErrNoSuchUser) {
		return User{}, ErrBadAccessKey
	}
	return u, err
}

// RevokeAccessKey makes key stop working.
func (s *Store) RevokeAccessKey(ctx context.Context, key string) error {
	if len(key) != accessKeyLen {
		return nil
	}
	if err := s.rdb.Del(ctx, s.keys.Session(hashKey(key))).Err(); err != nil {
		return fmt.Errorf("revoke access key: %w", err)
	}
	return nil
}

// EndSessions revokes key, userID's access key, and signs out every
// connection signed in with it, on every instance: each is sent
// signOut {uuid} and closed.
func (s *Store) EndSessions(ctx context.Context, userID, key string) error {
	if err := s.RevokeAccessKey(ctx, key); err != nil || len(key) != accessKeyLen {
		return err
	}
	frame, _ := Frame("signOut", map[string]string{"uuid": userID})
	h := header{revoke: hashKey(key)}
	if err := publishFrom(ctx, s.rdb, s.keys.UserNotifyLog(userID), s.keys.UserTopic(userID), h.encode(frame)); err != nil {
		return fmt.Errorf("sign out the key's connections: %w", err)
	}
	return nil
}

// TouchAccessKeys restarts the lifetime of keys in use by open connections
// and returns those that no longer exist (revoked, or expired while Redis
// was away): a revocation whose push an instance missed.
func (s *Store) TouchAccessKeys(ctx context.Context, keys []string) ([]string, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	touched := make([]*redis.BoolCmd, len(keys))
	for i, k := range keys {
		touched[i] = pipe.Expire(ctx, s.keys.Session(hashKey(k)), s.cfg.SessionTTL)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("touch access keys: %w", err)
	}
	var gone []string
	for i, t := range touched {
		if !t.Val() {
			gone = append(gone, keys[i])
		}
	}
	return gone, nil
}

func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}
