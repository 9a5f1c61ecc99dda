package chatcore

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/redis/go-redis/v9"
)

// beforeSignIn counts a password sign-in of the normalised username name
// from the client address from (LIMIT_SIGNIN_PER_ADDRESS and
// LIMIT_SIGNIN_PER_USERNAME) and refuses it while the name is locked after
// wrong passwords, in one round trip, before any password is hashed.
// failed reports that wrong passwords are being counted for the name.
func (l *limits) beforeSignIn(ctx context.Context, from netip.Addr, name string) (failed bool, err error) {
	if l.exempts(from) {
		return false, nil
	}
	checks := active([]check{l.signInsFrom(from), l.signInsAs(name)})
	var cmds []*redis.Cmd
	var lock *redis.DurationCmd
	var count *redis.IntCmd
	_, _ = l.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, c := range checks {
			cmds = append(cmds, l.queue(ctx, p, c))
		}
		if l.cfg.FailedPasswords > 0 {
			lock = p.PTTL(ctx, l.keys.PasswordLock(name))
			count = p.Exists(ctx, l.keys.PasswordFailures(name))
		}
		return nil
	})
	err = l.verdict(ctx, checks, cmds)
	if lock == nil {
		return false, err
	}
	if lerr := errors.Join(lock.Err(), count.Err()); lerr != nil {
		l.failOpen("password-lock", lerr)
		return false, err
	}
	var r *RateLimited
	if d := lock.Val(); d > 0 && (!errors.As(err, &r) || d > r.RetryAfter) {
		err = refused("too many wrong passwords for this username", d)
	}
	return count.Val() > 0, err
}

// failureMemory is how long the wrong passwords of a username are counted
// after the last one (a good password forgets them at once): twice the
// longest lock, so that a guesser who waited out a lock is locked again by
// one more wrong password, and no longer, so that the counts of the names a
// flood tries (unknown ones too) do not pile up in Redis.
func (l *limits) failureMemory() time.Duration { return 2 * l.cfg.PasswordMaxLock }

// afterSignIn counts a wrong password for name (locking it from the
// LIMIT_FAILED_PASSWORDS-th on, for LIMIT_PASSWORD_LOCK, doubled at each
// further one up to LIMIT_PASSWORD_MAX_LOCK) or, after a good one,
// forgets the failures. An unknown name's failures count like a known
// one's, so that the lock tells no more than the 401 does.
func (l *limits) afterSignIn(ctx context.Context, from netip.Addr, name string, failed bool, result error) {
	if l.exempts(from) || l.cfg.FailedPasswords <= 0 {
		return
	}
	keys := []string{l.keys.PasswordFailures(name), l.keys.PasswordLock(name)}
	var err error
	switch {
	case errors.Is(result, ErrBadCredentials):
		err = l.failed.Run(ctx, l.rdb, keys, l.cfg.FailedPasswords, l.cfg.PasswordLock.Milliseconds(),
			l.cfg.PasswordMaxLock.Milliseconds(), l.failureMemory().Milliseconds()).Err()
	case result == nil && failed:
		err = l.rdb.Del(ctx, keys...).Err()
	}
	if err != nil {
		l.failOpen("password-failures", err)
	}
}
