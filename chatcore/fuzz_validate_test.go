package chatcore

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzValidate runs every check of client input (validate.go) on arbitrary
// strings. None may panic, and each refusal is a 400 with a text. What a
// check lets through keeps its promise: a username's display form is valid
// UTF-8, trimmed, 1 to 32 characters without control characters, and
// cleans to itself and the same key; a message text is valid UTF-8, not
// blank, within the limit; a clientID is at most 64 printable ASCII bytes;
// a user ID, which goes into Redis keys, is a UUID of 36 hex digits and
// hyphens; a password is 1 to 72 bytes, and a new one has the configured
// least number of characters.
func FuzzValidate(f *testing.F) {
	for _, seed := range []string{
		"alice", "  Ａｌｉｃｅ  ", "ALICE", "a\u0007b", "a\u2028b", "\u00a0", "\u2000x\u2000", "e\u0301", "ß", "İ",
		strings.Repeat("x", 32), strings.Repeat("é", 33), "\xff", "a\x00b", "",
		"0b7e6a34-2c1d-4f5e-8a9b-1c2d3e4f5a6b", "0B7E6A34-2C1D-4F5E-8A9B-1C2D3E4F5A6B",
		"{0b7e6a34-2c1d-4f5e-8a9b-1c2d3e4f5a6b}", "urn:uuid:0b7e6a34-2c1d-4f5e-8a9b-1c2d3e4f5a6b",
		"0b7e6a342c1d4f5e8a9b1c2d3e4f5a6b", "../../etc/passwd", "c-1", "a b", strings.Repeat("k", 65),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		refused := func(what string, err error) bool {
			t.Helper()
			if err == nil {
				return false
			}
			if code, text := ErrorCode(err); code != CodeInvalid || text == "" {
				t.Fatalf("%s(%q): %d %q, want 400 with a text", what, s, code, text)
			}
			return true
		}
		if display, key, err := CleanUsername(s); !refused("CleanUsername", err) {
			n := utf8.RuneCountInString(display)
			if !utf8.ValidString(display) || display != strings.TrimSpace(display) || n < 1 || n > MaxUsernameLength ||
				strings.IndexFunc(display, func(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }) >= 0 {
				t.Fatalf("CleanUsername(%q) lets through %q", s, display)
			}
			if key == "" || !utf8.ValidString(key) {
				t.Fatalf("CleanUsername(%q): key %q", s, key)
			}
			if d2, k2, err := CleanUsername(display); err != nil || d2 != display || k2 != key {
				t.Fatalf("CleanUsername(%q) = %q, %q; of that, %q, %q, %v", s, display, key, d2, k2, err)
			}
		}
		if !refused("CheckText", CheckText(s, 64)) {
			if !utf8.ValidString(s) || strings.TrimSpace(s) == "" || utf8.RuneCountInString(s) > 64 {
				t.Fatalf("CheckText lets through %q", s)
			}
		}
		if !refused("CheckClientID", CheckClientID(s)) && !printableID.MatchString(s) {
			t.Fatalf("CheckClientID lets through %q", s)
		}
		if !refused("CheckUserID", CheckUserID(s)) && !uuidForm.MatchString(s) {
			t.Fatalf("CheckUserID lets through %q", s)
		}
		if !refused("CheckPassword", CheckPassword(s)) && (s == "" || len(s) > MaxPasswordBytes) {
			t.Fatalf("CheckPassword lets through %q", s)
		}
		if !refused("CheckNewPassword", CheckNewPassword(s, 8)) && utf8.RuneCountInString(s) < 8 {
			t.Fatalf("CheckNewPassword(8) lets through %q", s)
		}
	})
}

var (
	printableID = regexp.MustCompile(`^[!-~]{0,64}$`)
	uuidForm    = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)
