package functions

import (
	"testing"

	"github.com/redischat/chat/chatcore"
)

// FuzzDecode feeds arbitrary frames to the envelope and payload decoding
// every request goes through: they must never panic, and every failure must
// be a client error (400), never an internal one.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"type":"signIn","signIn":{"username":"a","password":"b"}}`,
		`{"type":"channelJoin","channelJoin":{"recipientUUID":"","since":3}}`,
		`{"type":"channelMessage","channelMessage":{"message":5}}`,
		`{"type":"users"}`, `[]`, `null`, `{"type":null}`, `{"type":"x","x":[1]}`, "\xff",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		typ, payload, err := envelope(data)
		if err != nil {
			if code, _ := chatcore.ErrorCode(err); code != chatcore.CodeInvalid {
				t.Fatalf("envelope(%q): code %d, want 400", data, code)
			}
			return
		}
		c := &Call{Type: typ, Payload: payload}
		var p struct {
			channelRef
			Since   *int64 `json:"since"`
			Message string `json:"message"`
			Before  int64  `json:"before"`
			Limit   int    `json:"limit"`
		}
		for _, decode := range []func(any) error{c.Decode, c.DecodeOptional} {
			if err := decode(&p); err != nil {
				if code, _ := chatcore.ErrorCode(err); code != chatcore.CodeInvalid {
					t.Fatalf("decode(%q): code %d, want 400", payload, code)
				}
			}
		}
	})
}
