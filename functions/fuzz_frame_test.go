package functions

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/redischat/chat/chatcore"
)

// FuzzFrame feeds arbitrary websocket frames to what a connection's
// dispatch does with one: the envelope {"type": T, T: payload}, the table,
// the handler (without Redis, fuzz_harness_test.go) and, for a failure, the
// error frame. A frame that is not an envelope is a 400; a known type's
// payload comes to what the protocol's rules give (fuzz_expect_test.go); an
// unknown type is a 400; and every error frame is valid JSON that names the
// request's type (cut to 64 bytes), carries the code and the same text in
// error and message, and echoes at most 64 bytes of a clientID.
func FuzzFrame(f *testing.F) {
	for _, s := range fuzzSeeds {
		frame := `{"type":"` + s.typ + `"}`
		if s.payload != "" {
			frame = `{"type":"` + s.typ + `","` + s.typ + `":` + s.payload + `}`
		}
		f.Add([]byte(frame))
	}
	for _, seed := range []string{
		`{"type":"channelMessage","userUUID":"x","SUUID":"y","accessKey":"z","channelMessage":{"message":"hi"}}`,
		`{"type":"signOut","type":"users"}`, `{"type":"users","users":null}`, `{"type":"users","users":[]}`,
		`{"type":"launchMissiles","launchMissiles":{}}`, `{"type":""}`, `{"type":7}`, `{"signIn":{}}`,
		`[]`, `null`, `"signIn"`, `{"type":`, "\xff", ``,
	} {
		f.Add([]byte(seed))
	}
	s, _ := fuzzServer(f)
	cfg := s.node.Config()
	rules := expectations()
	f.Fuzz(func(t *testing.T, data []byte) {
		typ, payload, err := envelope(data)
		var replies [][]byte
		if err == nil {
			err, replies = runFuzzCall(s, typ, payload, false)
		}
		got := classify(t, "frame", err)
		switch rule := rules[typ]; {
		case typ == "" || rule == nil:
			if got.code != 400 {
				t.Fatalf("frame %q: %v, want error 400", data, got)
			}
		default:
			checkOutcome(t, typ, payload, got, replies, rule(cfg, &Call{Type: typ, Payload: payload}))
		}
		if err != nil {
			code, text := chatcore.ErrorCode(err)
			checkErrorFrame(t, chatcore.ErrorFrameFor(code, text, data), code, text, asJSON(t, cut(typ, 64)))
		}
	})
}

// errorPayload is the payload of an error frame.
type errorPayload struct {
	Code     int    `json:"code"`
	Error    string `json:"error"`
	Message  string `json:"message"`
	Request  string `json:"request"`
	ClientID string `json:"clientID"`
}

// checkErrorFrame checks an error frame against its code, text and request.
func checkErrorFrame(t *testing.T, frame []byte, code int, text, request string) {
	t.Helper()
	typ, payload, err := envelope(frame)
	var e errorPayload
	if err != nil || typ != "error" || json.Unmarshal(payload, &e) != nil {
		t.Fatalf("error frame %q is not an error envelope", frame)
	}
	if e.Code != code || e.Error != text || e.Message != text || text == "" || e.Request != request {
		t.Fatalf("error frame %q: want code %d, error and message %q, request %q", frame, code, text, request)
	}
	if utf8.RuneCountInString(e.ClientID) > chatcore.MaxClientIDLength {
		t.Fatalf("error frame %q echoes a clientID longer than %d", frame, chatcore.MaxClientIDLength)
	}
}

// cut shortens s to at most n bytes.
func cut(s string, n int) string { return s[:min(len(s), n)] }

// asJSON is s as it reads back from JSON: invalid UTF-8 (a rune cut in two)
// replaced.
func asJSON(t *testing.T, s string) string {
	t.Helper()
	var out string
	if err := json.Unmarshal(mustJSON(t, s), &out); err != nil {
		t.Fatal(err)
	}
	return out
}
