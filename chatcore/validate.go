package chatcore

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Limits of the protocol that are not settings.
const (
	MaxUsernameLength = 32 // characters, after trimming spaces
	MaxPasswordBytes  = 72 // bcrypt reads no further
	MaxClientIDLength = 64
)

var fold = cases.Fold()

// CleanUsername trims and checks a username and returns its display form
// (NFC) and its identity key: usernames that differ only in case or Unicode
// compatibility form ("Alice", "ALICE", "Ａｌｉｃｅ") are the same user.
func CleanUsername(s string) (display, key string, err error) {
	if !utf8.ValidString(s) {
		return "", "", Errorf(CodeInvalid, "username is not valid UTF-8")
	}
	display = norm.NFC.String(strings.TrimSpace(s))
	n := utf8.RuneCountInString(display)
	if n == 0 {
		return "", "", Errorf(CodeInvalid, "username is empty")
	}
	if n > MaxUsernameLength {
		return "", "", Errorf(CodeInvalid, "username is longer than %d characters", MaxUsernameLength)
	}
	for _, r := range display {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return "", "", Errorf(CodeInvalid, "username contains control characters")
		}
	}
	key = fold.String(norm.NFKC.String(display))
	return display, key, nil
}

// CheckPassword checks a password's length.
func CheckPassword(p string) error {
	switch {
	case p == "":
		return Errorf(CodeInvalid, "password is empty")
	case len(p) > MaxPasswordBytes:
		return Errorf(CodeInvalid, "password is longer than %d bytes", MaxPasswordBytes)
	}
	return nil
}

// CheckNewPassword checks the password of a new account against the
// configured shortest length, in characters.
func CheckNewPassword(p string, min int) error {
	if utf8.RuneCountInString(p) < min {
		return Errorf(CodeInvalid, "password must be at least %d characters", min)
	}
	return nil
}

// CheckText checks a message text against the configured length.
func CheckText(text string, max int) error {
	if !utf8.ValidString(text) {
		return Errorf(CodeInvalid, "message is not valid UTF-8")
	}
	if strings.TrimSpace(text) == "" {
		return Errorf(CodeInvalid, "message is empty")
	}
	if utf8.RuneCountInString(text) > max {
		return Errorf(CodeInvalid, "message is longer than %d characters", max)
	}
	return nil
}

// CheckClientID checks an idempotency key sent with a message.
func CheckClientID(id string) error {
	if len(id) > MaxClientIDLength {
		return Errorf(CodeInvalid, "clientID is longer than %d bytes", MaxClientIDLength)
	}
	for _, r := range id {
		if r <= ' ' || r > '~' {
			return Errorf(CodeInvalid, "clientID must be printable ASCII without spaces")
		}
	}
	return nil
}

// CheckUserID checks that s looks like a user ID before it is used in a key.
func CheckUserID(s string) error {
	if _, err := uuid.Parse(s); err != nil || len(s) != 36 {
		return Errorf(CodeInvalid, "recipientUUID is not a user UUID")
	}
	return nil
}
