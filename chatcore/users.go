package chatcore

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"
)

// SignUp creates a user. A taken name (in any case) fails with 409.
func (s *Store) SignUp(ctx context.Context, username, password string) (User, error) {
	return s.SignUpFrom(ctx, netip.Addr{}, username, password)
}

// SignUpFrom is SignUp for a client at the address from, which the
// per-address limits count (limits.go): sign-ins and new accounts.
func (s *Store) SignUpFrom(ctx context.Context, from netip.Addr, username, password string) (User, error) {
	display, key, err := checkCredentials(username, password)
	if err != nil {
		return User{}, err
	}
	if err := CheckNewPassword(password, s.cfg.MinPasswordLength); err != nil {
		return User{}, err
	}
	if !s.limits.exempts(from) {
		if err := s.limits.allow(ctx, s.limits.signInsFrom(from), s.limits.accountsFrom(from)); err != nil {
			return User{}, err
		}
	}
	switch _, err := s.adoptLegacyName(ctx, key); {
	case err == nil:
		return User{}, ErrUsernameTaken // taken in the single-slot layout
	case !errors.Is(err, redis.Nil):
		return User{}, fmt.Errorf("sign up: %w", err)
	}
	u, created, err := s.createUser(ctx, from, display, key, password)
	if err != nil {
		return User{}, err
	}
	if !created {
		return User{}, ErrUsernameTaken
	}
	return u, nil
}

// SignIn checks a user's password. An unknown username is created with
// that password when create is true (the original demo's rule); otherwise
// it fails as a wrong password does, after a bcrypt check as long as a real
// one, so that neither the answer nor its time tells whether the name
// exists.
func (s *Store) SignIn(ctx context.Context, username, password string, create bool) (User, error) {
	return s.SignInFrom(ctx, netip.Addr{}, username, password, create)
}

// SignInFrom is SignIn for a client at the address from: the sign-in is
// counted per address and per username, refused while the username is
// locked after wrong passwords, and a wrong password counts towards the
// lock (limits_password.go), unless from is exempt or invalid.
func (s *Store) SignInFrom(ctx context.Context, from netip.Addr, username, password string, create bool) (User, error) {
	display, key, err := checkCredentials(username, password)
	if err != nil {
		return User{}, err
	}
	failed, err := s.limits.beforeSignIn(ctx, from, key)
	if err != nil {
		return User{}, err
	}
	u, err := s.signIn(ctx, from, display, key, password, create)
	s.limits.afterSignIn(ctx, from, key, failed, err)
	return u, err
}

func (s *Store) signIn(ctx context.Context, from netip.Addr, display, key, password string, create bool) (User, error) {
	id, err := s.rdb.HGet(ctx, s.keys.UserByName(key), key).Result()
	if errors.Is(err, redis.Nil) {
		id, err = s.adoptLegacyName(ctx, key) // an account of the single-slot layout
	}
	if errors.Is(err, redis.Nil) {
		if !create {
			return User{}, s.hash(from, func() error {
				_ = bcrypt.CompareHashAndPassword(s.decoyHash(), []byte(password))
				return ErrBadCredentials
			})
		}
		if err := CheckNewPassword(password, s.cfg.MinPasswordLength); err != nil {
			return User{}, err
		}
		if !s.limits.exempts(from) {
			if err := s.limits.allow(ctx, s.limits.accountsFrom(from)); err != nil {
				return User{}, err
			}
		}
		u, created, err := s.createUser(ctx, from, display, key, password)
		if err != nil || created {
			return u, err
		}
		id = u.UUID // someone created it meanwhile: check the password below
	} else if err != nil {
		return User{}, fmt.Errorf("sign in: look up name: %w", err)
	}
	fields, err := s.rdb.HMGet(ctx, s.keys.User(id), "username", "password").Result()
	if err != nil {
		return User{}, fmt.Errorf("sign in: read user %s: %w", id, err)
	}
	name, _ := fields[0].(string)
	hash, _ := fields[1].(string)
	if hash == "" {
		return User{}, fmt.Errorf("sign in: user %s has no record", id)
	}
	err = s.hash(from, func() error {
		if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
			return ErrBadCredentials
		}
		return nil
	})
	if err != nil {
		return User{}, err
	}
	return User{UUID: id, Username: name}, nil
}

func checkCredentials(username, password string) (display, key string, err error) {
	display, key, err = CleanUsername(username)
	if err != nil {
		return "", "", err
	}
	return display, key, CheckPassword(password)
}

// createUser hashes the password and runs the create script. created is
// false, and the user is the existing one, when the name was taken. The
// callers have looked the name up in the single-slot layout already.
func (s *Store) createUser(ctx context.Context, from netip.Addr, display, key, password string) (u User, created bool, err error) {
	var hash []byte
	if err := s.hash(from, func() (err error) {
		hash, err = bcrypt.GenerateFromPassword([]byte(password), s.cfg.BcryptCost)
		return err
	}); err != nil {
		return User{}, false, fmt.Errorf("hash password: %w", err)
	}
	id := NewUserID(key) // in the bucket of the name: one slot for the script
	b := UserBucket(id)
	res, err := s.scripts.createUser.Run(ctx, s.rdb,
		[]string{s.keys.UserByName(key), s.keys.UserNames(b), s.keys.User(id), s.keys.UsersSorted(b)},
		key, id, display, hash, time.Now().UTC().Format(time.RFC3339Nano), sortMember(display, id)).Slice()
	if err != nil {
		return User{}, false, fmt.Errorf("create user: %w", err)
	}
	if len(res) != 2 {
		return User{}, false, fmt.Errorf("create user: unexpected reply %v", res)
	}
	created = res[0] == int64(1)
	id, _ = res[1].(string)
	return User{UUID: id, Username: display}, created, nil
}

// UserByID returns a user with their presence, or ErrNoSuchUser.
func (s *Store) UserByID(ctx context.Context, id string) (User, error) {
	if CheckUserID(id) != nil {
		return User{}, ErrNoSuchUser
	}
	b := UserBucket(id)
	pipe := s.rdb.Pipeline()
	name := pipe.HGet(ctx, s.keys.UserNames(b), id)
	score := pipe.ZScore(ctx, s.keys.PresenceOnline(b), id)
	_, err := pipe.Exec(ctx)
	if err != nil && !errors.Is(err, redis.Nil) {
		return User{}, fmt.Errorf("read user %s: %w", id, err)
	}
	username := name.Val()
	if errors.Is(name.Err(), redis.Nil) {
		if username, err = s.adoptLegacyUser(ctx, id); errors.Is(err, redis.Nil) {
			return User{}, ErrNoSuchUser
		} else if err != nil {
			return User{}, fmt.Errorf("read user %s: %w", id, err)
		}
	}
	return User{UUID: id, Username: username, OnLine: score.Err() == nil && int64(score.Val()) > nowMillis()}, nil
}

func nowMillis() int64 { return time.Now().UnixMilli() }

// sortUsers orders users online first, then by name.
func sortUsers(users []User) {
	slices.SortFunc(users, func(a, b User) int {
		if a.OnLine != b.OnLine {
			if a.OnLine {
				return -1
			}
			return 1
		}
		if c := strings.Compare(strings.ToLower(a.Username), strings.ToLower(b.Username)); c != 0 {
			return c
		}
		return strings.Compare(a.UUID, b.UUID)
	})
}

// OnlineUsers returns every user online now (for an instance to bring its
// view of presence up to date after a pub/sub gap).
func (s *Store) OnlineUsers(ctx context.Context) ([]User, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.StringSliceCmd, Buckets)
	after := fmt.Sprintf("(%d", nowMillis())
	for b := range cmds {
		cmds[b] = pipe.ZRangeByScore(ctx, s.keys.PresenceOnline(b), &redis.ZRangeBy{Min: after, Max: "+inf"})
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read online users: %w", err)
	}
	var ids []string
	for _, c := range cmds {
		ids = append(ids, c.Val()...)
	}
	users := make([]User, 0, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), 1000)
		pipe := s.rdb.Pipeline()
		names := s.queueNames(ctx, pipe, ids[:n])
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("read online users' names: %w", err)
		}
		for i, name := range names() {
			if name != "" {
				users = append(users, User{UUID: ids[i], Username: name, OnLine: true})
			}
		}
		ids = ids[n:]
	}
	return users, nil
}
