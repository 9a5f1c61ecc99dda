package chatcore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// Error codes, as in the protocol's error table. They double as HTTP status
// codes for the HTTP functions.
const (
	CodeInvalid      = 400
	CodeUnauthorized = 401
	CodeNotFound     = 404
	CodeConflict     = 409
	CodeTooLarge     = 413
	CodeRateLimited  = 429
	CodeInternal     = 500
	CodeUnavailable  = 503
)

// Error is an error meant for the client: a code from the protocol's table
// and a short human text. Anything that is not an *Error is internal.
type Error struct {
	Code    int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code.
func Errorf(code int, format string, args ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Common client errors.
var (
	ErrNotSignedIn    = &Error{CodeUnauthorized, "not signed in"}
	ErrBadCredentials = &Error{CodeUnauthorized, "wrong username or password"}
	ErrBadAccessKey   = &Error{CodeUnauthorized, "unknown or expired access key"}
	ErrUsernameTaken  = &Error{CodeConflict, "username already taken"}
	ErrNoSuchUser     = &Error{CodeNotFound, "recipient user does not exist"}
	ErrUnavailable    = &Error{CodeUnavailable, "chat storage unavailable: try again"}
	ErrNotReplicated  = &Error{CodeUnavailable, "message not yet safely stored: try again with the same clientID"}
)

// ErrorCode returns the protocol code of err and the text that may be shown
// to a client. Errors that are not *Error are internal: code 500 and a
// generic text, so that no Redis detail reaches a client, or 503 when Redis
// could not be reached or did not answer in time.
func ErrorCode(err error) (int, string) {
	var e *Error
	if errors.As(err, &e) {
		return e.Code, e.Message
	}
	if Unavailable(err) {
		return ErrUnavailable.Code, ErrUnavailable.Message
	}
	return CodeInternal, "internal error"
}

// Unavailable reports whether err means that Redis could not be reached,
// did not answer in time or cannot serve yet (loading, failing over), as
// opposed to a bug or bad data.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.As(err, &ne) {
		return true
	}
	msg := err.Error()
	for _, prefix := range []string{"LOADING", "MASTERDOWN", "READONLY", "CLUSTERDOWN", "TRYAGAIN", "BUSY", "EXECABORT"} {
		if redis.HasErrorPrefix(err, prefix) || strings.Contains(msg, prefix+" ") {
			return true
		}
	}
	return strings.Contains(msg, "connection pool timeout") || strings.Contains(msg, "i/o timeout")
}
