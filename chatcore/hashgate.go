package chatcore

import (
	"net/netip"
	"runtime"
	"time"
)

// hashGate bounds the password hashes (bcrypt) computed at once on this
// instance (BCRYPT_CONCURRENCY). One hash takes tens of milliseconds of a
// CPU, so a flood of sign-ins, from however many addresses, would
// otherwise take every CPU from message delivery. A hash beyond the bound
// is refused at once with ErrBusy (429): nothing waits, so no queue grows
// and no sign-in holds memory while it waits.
type hashGate chan struct{}

// ErrBusy refuses a sign-in while the instance is hashing as many
// passwords as it may.
var ErrBusy = &RateLimited{Text: "the server is busy checking passwords: try again in 1 s", RetryAfter: time.Second}

// newHashGate returns a gate for n hashes at once or, when n is 0, for
// half the CPUs the Go runtime uses (GOMAXPROCS), at least one: hashes on
// every CPU would leave delivery waiting for a CPU at each of its steps
// (measured beside a flood on 2 CPUs: a delivery p99 of about 380 ms with
// 2 at once, 20 ms with 1; TestSignInFloodKeepsChatDelivering).
func newHashGate(n int) hashGate {
	if n <= 0 {
		n = max(1, runtime.GOMAXPROCS(0)/2)
	}
	return make(hashGate, n)
}

// run runs fn, a password hash or check, unless the gate is full.
func (g hashGate) run(fn func() error) error {
	select {
	case g <- struct{}{}:
	default:
		return ErrBusy
	}
	defer func() { <-g }()
	return fn()
}

// hash runs fn, a password hash or check for a client at the address from,
// through the gate; a client in LIMIT_EXEMPT_NETWORKS (or a caller with no
// address) passes it, as it does every limit.
func (s *Store) hash(from netip.Addr, fn func() error) error {
	if s.limits.exempts(from) {
		return fn()
	}
	return s.hashes.run(fn)
}
