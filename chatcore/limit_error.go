package chatcore

import (
	"errors"
	"fmt"
	"time"
)

// RateLimited is the error of a request refused by a limit: code 429 (it
// unwraps to an *Error, so ErrorCode reads it as any client error) and when
// a retry may succeed, which the edge sends as retryAfter and Retry-After.
type RateLimited struct {
	Text       string
	RetryAfter time.Duration
}

func (e *RateLimited) Error() string { return fmt.Sprintf("%d %s", CodeRateLimited, e.Text) }

// Unwrap returns the refusal as the protocol's client error.
func (e *RateLimited) Unwrap() error { return &Error{Code: CodeRateLimited, Message: e.Text} }

// refused returns the refusal of what (the limit's words) for wait.
func refused(what string, wait time.Duration) *RateLimited {
	return &RateLimited{Text: what + ": try again in " + waitText(wait), RetryAfter: wait}
}

// RetryAfter returns the whole seconds (rounded up, at least 1) after which
// a request refused with err may be retried, 0 when err is no refusal.
func RetryAfter(err error) int {
	var e *RateLimited
	if !errors.As(err, &e) || e.RetryAfter <= 0 {
		return 0
	}
	return int(max(1, (e.RetryAfter+time.Second-1)/time.Second))
}

// waitText is a wait for people: "3 s", "2 min", "2 h".
func waitText(d time.Duration) string {
	s := int64(max(1, (d+time.Second-1)/time.Second))
	switch {
	case s < 120:
		return fmt.Sprintf("%d s", s)
	case s < 2*3600:
		return fmt.Sprintf("%d min", (s+59)/60)
	}
	return fmt.Sprintf("%d h", (s+3599)/3600)
}
