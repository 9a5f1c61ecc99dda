package chatcore

import (
	"time"

	"github.com/gorilla/websocket"
)

// A websocket that keeps sending after its requests were refused with 429
// (its own rate, RATE_LIMIT, or a limit shared in Redis) is closed with
// 1008: its refusalsToClose-th refusal within refusalWindow is its last
// frame. A client that waits as retryAfter says never gets there; one that
// ignores it gets there in well under a second.
const (
	refusalsToClose = 10
	refusalWindow   = time.Minute
)

// refusals remembers when a connection's last requests were refused. Its
// reader and the handler it waits for use it in turn, never at once.
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

// Refused counts a 429 answered to c's client and, when it is the
// refusalsToClose-th within refusalWindow, closes c with 1008 and reports
// true. Called from c's request handling only (its dispatch).
func (c *Conn) Refused(now time.Time) bool {
	if !c.refused.add(now) {
		return false
	}
	c.log.Info("closing a connection that kept going after 429", "refusals", refusalsToClose)
	c.closeWith(websocket.ClosePolicyViolation, "too many requests refused: slow down")
	return true
}
