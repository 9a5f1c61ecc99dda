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
	name, err := s.rdb.HGet(ctx, s.keys.UserNames(UserBucket(id)), id).Result()
	if errors.Is(err, redis.Nil) {
		name, err = s.adoptLegacyUser(ctx, id) // an account of the single-slot layout
	}
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
// channel) and returns the first page of the channel's members, online
// first, at most JOIN_USERS_LIMIT: a page of the users listing kept to the
// channel's members, so the cost does not grow with them.
func (s *Store) AddMember(ctx context.Context, ch Channel, userID string) (UserPage, error) {
	key := s.keys.ChannelMembers(ch.ID)
	if !ch.IsPrivate() {
		if err := s.rdb.SAdd(ctx, key, userID).Err(); err != nil {
			return UserPage{}, fmt.Errorf("join %s: %w", ch.ID, err)
		}
		page, err := s.ListUsers(ctx, s.cfg.JoinUsersLimit, "", key)
		if err != nil {
			return UserPage{}, fmt.Errorf("join %s: %w", ch.ID, err)
		}
		return page, nil
	}
	pipe := s.rdb.Pipeline()
	pipe.SAdd(ctx, key, ch.Members[0], ch.Members[1])
	s.addChannels(ctx, pipe, ch)
	names := s.queueNames(ctx, pipe, ch.Members[:])
	if _, err := pipe.Exec(ctx); err != nil {
		return UserPage{}, fmt.Errorf("join %s: %w", ch.ID, err)
	}
	var users []User
	for i, name := range names() {
		if name != "" {
			users = append(users, User{UUID: ch.Members[i], Username: name})
		}
	}
	if err := s.markOnline(ctx, users); err != nil {
		return UserPage{}, fmt.Errorf("join %s: %w", ch.ID, err)
	}
	sortUsers(users)
	return UserPage{Users: users, Total: int64(len(users))}, nil
}

// markOnline sets OnLine of the users listed online.
func (s *Store) markOnline(ctx context.Context, users []User) error {
	if len(users) == 0 {
		return nil
	}
	members := make([]string, len(users))
	for i, u := range users {
		members[i] = sortMember(u.Username, u.UUID)
	}
	pipe := s.rdb.Pipeline()
	listed := s.queueListedOnline(ctx, pipe, members)
	if _, err := pipe.Exec(ctx); err != nil {
		return err
	}
	for i, on := range listed() {
		users[i].OnLine = on
	}
	return nil
}

// publish sends frame to every connection joined to channelID on every
// instance, as h says.
func (s *Store) publish(ctx context.Context, channelID string, h header, frame []byte) error {
	if err := publishFrom(ctx, s.rdb, s.keys.ChannelLog(channelID), s.keys.ChannelTopic(channelID), h.encode(frame)); err != nil {
		return fmt.Errorf("publish to %s: %w", channelID, err)
	}
	return nil
}
