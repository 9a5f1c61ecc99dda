package functions

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/redischat/chat/chatcore"
)

// What each message type's handler must make of a payload, worked out from
// the protocol's rules (docs/PROTOCOL.md, chatcore/validate.go) in the
// order the handler checks them, without running it. A request that passes
// a check made only after the store was asked comes to "storage reached"
// here too. A change to a handler's payload or checks is a change here.

// expectation is the outcome a request must come to and, for one answered
// without the store, the payload of its one reply.
type expectation struct {
	outcome
	reply any
}

var stored = expectation{outcome: outcome{storage: true}}

func rejected(code int) expectation { return expectation{outcome: outcome{code: code}} }

// refusal is the expectation of the first failed check, nil when all pass.
func refusal(errs ...error) *expectation {
	for _, err := range errs {
		if err != nil {
			code, _ := chatcore.ErrorCode(err)
			e := rejected(code)
			return &e
		}
	}
	return nil
}

// accessKeyLen is the length of an access key: 32 random bytes, base64url.
const accessKeyLen = 43

// expectations are the rules of every type of the table.
func expectations() map[string]func(chatcore.Config, *Call) expectation {
	return map[string]func(chatcore.Config, *Call) expectation{
		"signUp": func(cfg chatcore.Config, c *Call) expectation {
			var p credentials
			if err := c.Decode(&p); err != nil {
				return rejected(400)
			}
			_, _, nameErr := chatcore.CleanUsername(p.Username)
			if r := refusal(nameErr, chatcore.CheckPassword(p.Password), chatcore.CheckNewPassword(p.Password, cfg.MinPasswordLength)); r != nil {
				return *r
			}
			return stored
		},
		"signIn": func(_ chatcore.Config, c *Call) expectation {
			var p struct {
				credentials
				Create *bool `json:"create"`
			}
			if err := c.Decode(&p); err != nil {
				return rejected(400)
			}
			if p.AccessKey != "" {
				if len(p.AccessKey) != accessKeyLen {
					return rejected(401)
				}
				return stored
			}
			_, _, nameErr := chatcore.CleanUsername(p.Username)
			if r := refusal(nameErr, chatcore.CheckPassword(p.Password)); r != nil {
				return *r
			}
			return stored // the name is looked up
		},
		"signOut": func(chatcore.Config, *Call) expectation {
			return expectation{reply: map[string]string{"uuid": fuzzUser.UUID}}
		},
		"users": func(_ chatcore.Config, c *Call) expectation {
			var p struct {
				Limit int    `json:"limit"`
				After string `json:"after"`
			}
			if err := c.DecodeOptional(&p); err != nil || p.Limit < 0 || !isCursor(p.After) {
				return rejected(400)
			}
			return stored
		},
		"channelJoin": func(_ chatcore.Config, c *Call) expectation {
			var p struct {
				channelRef
				Since *int64 `json:"since"`
				Epoch string `json:"epoch"`
			}
			if err := c.Decode(&p); err != nil || p.Since != nil && *p.Since < 0 {
				return rejected(400)
			}
			if e, general := channelOf(p.RecipientUUID); !general {
				return e
			}
			if len(p.Epoch) > 64 {
				return rejected(400)
			}
			return stored
		},
		"channelLeave": func(_ chatcore.Config, c *Call) expectation {
			var p channelRef
			if err := c.Decode(&p); err != nil {
				return rejected(400)
			}
			return expectation{reply: p}
		},
		"channelMessage": func(cfg chatcore.Config, c *Call) expectation {
			var p struct {
				channelRef
				Message  string `json:"message"`
				ClientID string `json:"clientID"`
			}
			if err := c.Decode(&p); err != nil {
				return rejected(400)
			}
			if e, general := channelOf(p.RecipientUUID); !general {
				return e
			}
			if r := refusal(chatcore.CheckText(p.Message, cfg.MaxMessageLength), chatcore.CheckClientID(p.ClientID)); r != nil {
				return *r
			}
			return stored
		},
		"channelHistory": func(_ chatcore.Config, c *Call) expectation {
			var p struct {
				channelRef
				Before int64 `json:"before"`
				Limit  int   `json:"limit"`
			}
			if err := c.Decode(&p); err != nil || p.Before < 0 || p.Limit < 0 {
				return rejected(400)
			}
			if e, general := channelOf(p.RecipientUUID); !general {
				return e
			}
			if p.Before == 1 { // nothing is older than the first message
				return expectation{reply: map[string]any{"recipientUUID": p.RecipientUUID, "messages": []any{}, "hasMore": false}}
			}
			return stored
		},
		"channelRead": func(_ chatcore.Config, c *Call) expectation {
			var p struct {
				RecipientUUID *string `json:"recipientUUID"`
				Offset        *int64  `json:"offset"`
			}
			if err := c.Decode(&p); err != nil || p.RecipientUUID == nil || p.Offset == nil || *p.Offset < 0 {
				return rejected(400)
			}
			e, _ := channelOf(*p.RecipientUUID)
			return e
		},
		"channels": func(_ chatcore.Config, c *Call) expectation {
			if err := c.DecodeOptional(&struct{}{}); err != nil {
				return rejected(400)
			}
			return stored
		},
		"typing": func(_ chatcore.Config, c *Call) expectation {
			var p channelRef
			if err := c.DecodeOptional(&p); err != nil {
				return rejected(400)
			}
			e, _ := channelOf(p.RecipientUUID)
			return e
		},
	}
}

// channelOf is what naming a channel by recipientUUID comes to: the
// general channel (general true, e stored: what the handler does next asks
// the store), a 400, or a look-up of the recipient in the store.
func channelOf(recipient string) (e expectation, general bool) {
	switch {
	case recipient == "":
		return stored, true
	case chatcore.CheckUserID(recipient) != nil, recipient == fuzzUser.UUID:
		return rejected(400), false
	}
	return stored, false
}

// isCursor reports whether after is empty or could be a users cursor:
// base64url of "o" or "a" and the last member read, at most 512 bytes.
func isCursor(after string) bool {
	if after == "" {
		return true
	}
	b, err := base64.RawURLEncoding.DecodeString(after)
	return err == nil && len(b) > 0 && len(b) <= 512 && (b[0] == 'o' || b[0] == 'a')
}

// checkOutcome compares what a handler did with the expectation: the same
// outcome, no reply for a failed request, and for an answered one a single
// frame of the request's type with the expected payload.
func checkOutcome(t *testing.T, typ string, payload []byte, got outcome, replies [][]byte, want expectation) {
	t.Helper()
	if got != want.outcome {
		t.Fatalf("%s %q: %v, want %v", typ, payload, got, want.outcome)
	}
	if got.code != 0 || got.storage {
		if len(replies) > 0 {
			t.Fatalf("%s %q: %v but replied %q", typ, payload, got, replies)
		}
		return
	}
	if len(replies) != 1 {
		t.Fatalf("%s %q: %d replies %q, want 1", typ, payload, len(replies), replies)
	}
	rtyp, rpayload, err := envelope(replies[0])
	if err != nil || rtyp != typ {
		t.Fatalf("%s %q: reply %q is not a %s frame", typ, payload, replies[0], typ)
	}
	if !sameJSON(t, rpayload, want.reply) {
		t.Fatalf("%s %q: reply payload %s, want %s", typ, payload, rpayload, mustJSON(t, want.reply))
	}
}

// sameJSON reports whether the JSON raw and the encoding of v are the same
// value.
func sameJSON(t *testing.T, raw []byte, v any) bool {
	t.Helper()
	var a, b any
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("reply payload %q: %v", raw, err)
	}
	if err := json.Unmarshal(mustJSON(t, v), &b); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(a, b)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
