package functions

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/redischat/chat/chatcore"
)

// FuzzDecode feeds arbitrary frames to the envelope and payload decoding
// every request goes through: they must never panic, every failure must be
// a client error (400) with a text, never an internal one, and a payload
// that decodes encodes to one that decodes to the same values.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"type":"signIn","signIn":{"username":"a","password":"b"}}`,
		`{"type":"channelJoin","channelJoin":{"recipientUUID":"","since":3}}`,
		`{"type":"channelMessage","channelMessage":{"message":5}}`,
		`{"type":"channelJoin","channelJoin":{"since":1.5}}`,
		`{"type":"channelJoin","channelJoin":{"since":9223372036854775808}}`,
		`{"type":"channelHistory","channelHistory":{"limit":1e400,"before":-0}}`,
		`{"type":"channelJoin","channelJoin":{"recipientUUID":{"recipientUUID":""}}}`,
		`{"type":"x","x":{"message":"a\u0000b\ud800"}}`,
		`{"type":"users"}`, `[]`, `null`, `{"type":null}`, `{"type":"x","x":[1]}`, "\xff",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		typ, payload, err := envelope(data)
		if err != nil {
			if code, text := chatcore.ErrorCode(err); code != chatcore.CodeInvalid || text == "" {
				t.Fatalf("envelope(%q): %d %q, want 400 with a text", data, code, text)
			}
			return
		}
		c := &Call{Type: typ, Payload: payload}
		for _, decode := range []func(any) error{c.Decode, c.DecodeOptional} {
			var p decodeProbe
			if err := decode(&p); err != nil {
				if code, text := chatcore.ErrorCode(err); code != chatcore.CodeInvalid || text == "" {
					t.Fatalf("decode(%q): %d %q, want 400 with a text", payload, code, text)
				}
				continue
			}
			again, err := json.Marshal(p)
			if err != nil {
				t.Fatalf("decode(%q) = %+v, which does not encode: %v", payload, p, err)
			}
			var q decodeProbe
			if err := decodeObject(again, &q, typ); err != nil || !reflect.DeepEqual(p, q) {
				t.Fatalf("decode(%q) = %+v, encoded %s, decoded again %+v, %v", payload, p, again, q, err)
			}
		}
	})
}

// decodeProbe has a field of every kind the handlers' payloads have.
type decodeProbe struct {
	channelRef
	Since    *int64 `json:"since"`
	Message  string `json:"message"`
	Before   int64  `json:"before"`
	Limit    int    `json:"limit"`
	Create   *bool  `json:"create"`
	ClientID string `json:"clientID"`
}
