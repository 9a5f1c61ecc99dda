package chatcore

import (
	"context"
	_ "embed"
	"log/slog"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// The abuse limits live in Redis, so that every instance counts against
// the same budget: a client that spreads its requests over instances (or
// reconnects to another) gains nothing. Each is a GCRA (generic cell rate
// algorithm) of one key per subject, checked by one small script
// (scripts/rate_limit.lua): N requests at once, one coming back every
// period/N. Unlike a fixed window it allows no double burst at a window's
// edge, unlike a sliding log it keeps one number per subject, and the
// time until the next allowed request, sent to the client, is exact.
//
// A client in LIMIT_EXEMPT_NETWORKS, or a caller with no client address
// (tests, tools inside the process), is subject to none of them. A check
// that Redis cannot answer lets the request through and logs a warning
// (fail open, SECURITY.md): the instance's own bounds (the bcrypt gate,
// each socket's rate) still hold.

var (
	//go:embed scripts/rate_limit.lua
	rateLimitLua string
	//go:embed scripts/password_failed.lua
	passwordFailedLua string
)

// limits checks the shared limits. It is safe for concurrent use.
type limits struct {
	rdb    redis.UniversalClient
	keys   Keys
	cfg    Config
	exempt Networks
	rate   *redis.Script
	failed *redis.Script
	log    *slog.Logger

	// Fail-open warnings: at most one per failOpenEvery, with how many
	// checks were let through since the last.
	skipped  atomic.Int64
	lastWarn atomic.Int64 // Unix ns
}

const failOpenEvery = 10 * time.Second

func newLimits(rdb redis.UniversalClient, cfg Config) *limits {
	exempt, _ := ParseNetworks(cfg.LimitExemptNetworks) // Validate has checked it
	return &limits{
		rdb: rdb, keys: NewKeys(cfg.KeyPrefix), cfg: cfg, exempt: exempt,
		rate: redis.NewScript(rateLimitLua), failed: redis.NewScript(passwordFailedLua),
		log: slog.New(slog.DiscardHandler),
	}
}

// check is one limit for one subject.
type check struct {
	limit   string // the key's name of the limit
	rate    Rate
	subject string
	what    string // the refusal's words
}

// exempts reports whether a request from addr escapes every shared limit.
func (l *limits) exempts(addr netip.Addr) bool {
	return !addr.IsValid() || l.exempt.Contains(addr)
}

// addressSubject is the subject of a per-address limit: an IPv4 address,
// or the /64 of an IPv6 one (the block a single host is usually given, so
// that walking through its addresses gains nothing).
func addressSubject(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// allow runs checks in one round trip: nil when every one allows the
// request (each then counts it), else the refusal that waits longest.
func (l *limits) allow(ctx context.Context, checks ...check) error {
	checks = active(checks)
	if len(checks) == 0 {
		return nil
	}
	var cmds []*redis.Cmd
	_, _ = l.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, c := range checks {
			cmds = append(cmds, l.queue(ctx, p, c))
		}
		return nil
	})
	return l.verdict(ctx, checks, cmds)
}

func active(checks []check) []check {
	out := checks[:0:0]
	for _, c := range checks {
		if !c.rate.Off() {
			out = append(out, c)
		}
	}
	return out
}

// queue adds the script of c to p.
func (l *limits) queue(ctx context.Context, p redis.Pipeliner, c check) *redis.Cmd {
	return l.rate.EvalSha(ctx, p, []string{l.keys.Limit(c.limit, c.subject)}, c.rate.interval(), c.rate.N)
}

// verdict reads the answers of queued checks. A script that Redis no longer
// has (it restarted) is run again on its own, which loads it; any other
// error lets the request through.
func (l *limits) verdict(ctx context.Context, checks []check, cmds []*redis.Cmd) error {
	var worst *RateLimited
	for i, cmd := range cmds {
		if redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
			c := checks[i]
			cmd = l.rate.Run(ctx, l.rdb, []string{l.keys.Limit(c.limit, c.subject)}, c.rate.interval(), c.rate.N)
		}
		wait, err := cmd.Int64()
		if err != nil {
			l.failOpen(checks[i].limit, err)
			continue
		}
		if d := time.Duration(wait) * time.Millisecond; wait > 0 && (worst == nil || d > worst.RetryAfter) {
			worst = refused(checks[i].what, d)
		}
	}
	if worst == nil {
		return nil
	}
	return worst
}

// failOpen notes a check that Redis did not answer: the request goes on.
func (l *limits) failOpen(limit string, err error) {
	n := l.skipped.Add(1)
	now := time.Now().UnixNano()
	last := l.lastWarn.Load()
	if now-last < int64(failOpenEvery) || !l.lastWarn.CompareAndSwap(last, now) {
		return
	}
	l.skipped.Add(-n)
	l.log.Warn("abuse limit not checked: the request was let through", "limit", limit, "unchecked", n, "err", err)
}
