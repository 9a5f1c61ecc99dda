package chatcore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"
)

// ChannelFor returns the channel a user means by recipientUUID: the general
// channel when it is empty, else the private channel of the user and the
// recipient, who must exist (404) and not be the user (400). The recipient
// is returned for private channels.
func (s *Store) ChannelFor(ctx context.Context, user User, recipientUUID string) (Channel, *User, error) {
	if recipientUUID == "" {
		return General(), nil, nil
	}
	if err := CheckUserID(recipientUUID); err != nil {
		return Channel{}, nil, err
	}
	if recipientUUID == user.UUID {
		return Channel{}, nil, Errorf(CodeInvalid, "recipientUUID is your own UUID")
	}
	r, err := s.cachedUser(ctx, recipientUUID)
	if err != nil {
		return Channel{}, nil, err
	}
	return Private(user.UUID, recipientUUID), &r, nil
}

// nameCache remembers user names by ID. Names never change and users are
// never deleted, so entries never go stale.
type nameCache struct{ m sync.Map }

// cachedUser returns a user (without presence) from the cache or Redis.
func (s *Store) cachedUser(ctx context.Context, id string) (User, error) {
	if name, ok := s.names.m.Load(id); ok {
		return User{UUID: id, Username: name.(string)}, nil
	}
	name, err := s.rdb.HGet(ctx, s.keys.UserNames(), id).Result()
	if errors.Is(err, redis.Nil) {
		return User{}, ErrNoSuchUser
	}
	if err != nil {
		return User{}, fmt.Errorf("read user %s: %w", id, err)
	}
	s.names.m.Store(id, name)
	return User{UUID: id, Username: name}, nil
}

// AddMember records that user joined ch (both members, for a private
// channel) and returns the channel's members, online first, at most
// USERS_LIMIT.
func (s *Store) AddMember(ctx context.Context, ch Channel, userID string) ([]User, error) {
	key := s.keys.ChannelMembers(ch.ID)
	pipe := s.rdb.Pipeline()
	if ch.IsPrivate() {
		pipe.SAdd(ctx, key, ch.Members[0], ch.Members[1])
	} else {
		pipe.SAdd(ctx, key, userID)
	}
	ids := pipe.SMembers(ctx, key)
	online := s.onlineCmd(ctx, pipe)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("join %s: %w", ch.ID, err)
	}
	if len(ids.Val()) == 0 {
		return nil, nil
	}
	names, err := s.rdb.HMGet(ctx, s.keys.UserNames(), ids.Val()...).Result()
	if err != nil {
		return nil, fmt.Errorf("join %s: read names: %w", ch.ID, err)
	}
	isOnline := make(map[string]bool, len(online.Val()))
	for _, id := range online.Val() {
		isOnline[id] = true
	}
	users := make([]User, 0, len(names))
	for i, id := range ids.Val() {
		if name, ok := names[i].(string); ok {
			users = append(users, User{UUID: id, Username: name, OnLine: isOnline[id]})
		}
	}
	sortUsers(users)
	return users[:min(len(users), s.cfg.UsersLimit)], nil
}

// publish sends frame to every connection joined to channelID on every
// instance, as h says.
func (s *Store) publish(ctx context.Context, channelID string, h header, frame []byte) error {
	if err := s.rdb.Publish(ctx, s.keys.ChannelTopic(channelID), h.encode(frame)).Err(); err != nil {
		return fmt.Errorf("publish to %s: %w", channelID, err)
	}
	return nil
}
