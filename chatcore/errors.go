package chatcore

import (
	"errors"
	"fmt"
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
)

// ErrorCode returns the protocol code of err and the text that may be shown
// to a client. Errors that are not *Error are internal: code 500 and a
// generic text, so that no Redis detail reaches a client.
func ErrorCode(err error) (int, string) {
	var e *Error
	if errors.As(err, &e) {
		return e.Code, e.Message
	}
	return CodeInternal, "internal error"
}
