package functions

import (
	"net/netip"
	"time"
)

// addressed is a Session that knows its client's address: a websocket
// (captured at the upgrade) or an HTTP call.
type addressed interface{ Address() netip.Addr }

// Address returns the client address of the call (clientaddr.go), invalid
// when its session has none: the shared limits then do not apply.
func (c *Call) Address() netip.Addr {
	if a, ok := c.Session.(addressed); ok {
		return a.Address()
	}
	return netip.Addr{}
}

func (s wsSession) Address() netip.Addr    { return s.addr }
func (s *httpSession) Address() netip.Addr { return s.addr }

// A websocket that keeps sending after its requests were refused with 429
// is closed with 1008: its refusalsToClose-th refusal within refusalWindow
// is its last frame. A client that waits as retryAfter says never gets
// there; one that ignores it gets there in well under a second.
const (
	refusalsToClose = 10
	refusalWindow   = time.Minute
)

// refusals remembers when a connection's last requests were refused. It
// belongs to the connection's dispatch, which runs one request at a time.
type refusals struct {
	at   [refusalsToClose - 1]time.Time // the last refusals before this one, a ring
	next int
}

// add notes a refusal at now and reports whether it is the
// refusalsToClose-th within refusalWindow.
func (r *refusals) add(now time.Time) bool {
	oldest := r.at[r.next] // the refusal refusalsToClose-1 before this one
	r.at[r.next] = now
	r.next = (r.next + 1) % len(r.at)
	return !oldest.IsZero() && now.Sub(oldest) < refusalWindow
}
