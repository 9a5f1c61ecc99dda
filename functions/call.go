package functions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/redischat/chat/chatcore"
)

// Call is one request being handled.
type Call struct {
	Type    string
	Payload json.RawMessage // nil when the frame or body had none
	Session Session
	Node    *chatcore.Node
	Log     *slog.Logger
}

// Decode reads the payload into v. A payload that is missing, not an
// object, or has a field of the wrong type is a 400.
func (c *Call) Decode(v any) error {
	if len(c.Payload) == 0 || bytes.Equal(c.Payload, []byte("null")) {
		return chatcore.Errorf(chatcore.CodeInvalid, "missing payload object %q", c.Type)
	}
	return decodeObject(c.Payload, v, c.Type)
}

// DecodeOptional is Decode for types whose payload may be left out.
func (c *Call) DecodeOptional(v any) error {
	if len(c.Payload) == 0 || bytes.Equal(c.Payload, []byte("null")) {
		return nil
	}
	return decodeObject(c.Payload, v, c.Type)
}

func decodeObject(p json.RawMessage, v any, typ string) error {
	if p = bytes.TrimSpace(p); len(p) == 0 || p[0] != '{' {
		return chatcore.Errorf(chatcore.CodeInvalid, "payload %q must be an object", typ)
	}
	if err := json.Unmarshal(p, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return chatcore.Errorf(chatcore.CodeInvalid, "field %q must be %s", te.Field, jsonKind(te.Type.Kind().String()))
		}
		return chatcore.Errorf(chatcore.CodeInvalid, "malformed payload %q", typ)
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "int", "int64", "uint", "uint64", "float64":
		return "a number"
	case "bool":
		return "a boolean"
	}
	return "of another type"
}

// User returns the signed-in user; every type outside the public ones is
// only dispatched when there is one, so this is a formality.
func (c *Call) User() (chatcore.User, error) {
	u, ok := c.Session.User()
	if !ok {
		return chatcore.User{}, chatcore.ErrNotSignedIn
	}
	return u, nil
}

// Reply queues the frame {"type": typ, typ: payload}.
func (c *Call) Reply(typ string, payload any) error {
	f, err := chatcore.Frame(typ, payload)
	if err != nil {
		return fmt.Errorf("encode %s reply: %w", typ, err)
	}
	c.Session.Reply(f)
	return nil
}

// envelope splits a frame into its type and payload. Other top-level fields
// (userUUID, SUUID, accessKey...) are ignored: a connection acts only as the
// user who signed in on it.
func envelope(data []byte) (typ string, payload json.RawMessage, err error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return "", nil, chatcore.Errorf(chatcore.CodeInvalid, "malformed JSON: send one JSON object per frame")
	}
	raw, ok := m["type"]
	if !ok {
		return "", nil, chatcore.Errorf(chatcore.CodeInvalid, "missing type")
	}
	if err := json.Unmarshal(raw, &typ); err != nil || typ == "" {
		return "", nil, chatcore.Errorf(chatcore.CodeInvalid, "type must be a non-empty string")
	}
	return typ, m[typ], nil
}
