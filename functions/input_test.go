package functions_test

import (
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/redischat/chat/internal/chattest"
)

// TestBadInputGetsAnErrorAndTheConnectionGoesOn sends every kind of bad
// frame; each gets the protocol's error and the connection keeps working.
func TestBadInputGetsAnErrorAndTheConnectionGoesOn(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.MaxMessageLength = 10
	a := chattest.Start(t, cfg)
	c := chattest.Dial(t, a.URL())

	long := strings.Repeat("x", 33)
	before := []struct {
		name, frame string
		code        int
		request     string
	}{
		{"malformed JSON", `{"type":`, 400, ""},
		{"not an object", `[1,2]`, 400, ""},
		{"missing type", `{"signIn":{}}`, 400, ""},
		{"type not a string", `{"type":7}`, 400, ""},
		{"unknown type", `{"type":"launchMissiles","launchMissiles":{}}`, 400, "launchMissiles"},
		{"missing payload", `{"type":"signIn"}`, 400, "signIn"},
		{"payload not an object", `{"type":"signIn","signIn":"alice"}`, 400, "signIn"},
		{"field of the wrong type", `{"type":"signUp","signUp":{"username":5,"password":"x"}}`, 400, "signUp"},
		{"empty username", `{"type":"signUp","signUp":{"username":"   ","password":"x"}}`, 400, "signUp"},
		{"username too long", `{"type":"signUp","signUp":{"username":"` + long + `","password":"x"}}`, 400, "signUp"},
		{"control character in username", `{"type":"signUp","signUp":{"username":"a\u0007b","password":"x"}}`, 400, "signUp"},
		{"empty password", `{"type":"signUp","signUp":{"username":"dave","password":""}}`, 400, "signUp"},
		{"password over 72 bytes", `{"type":"signUp","signUp":{"username":"dave","password":"` + strings.Repeat("p", 73) + `"}}`, 400, "signUp"},
		{"bad access key", `{"type":"signIn","signIn":{"accessKey":"nope"}}`, 401, "signIn"},
		{"users before sign-in", `{"type":"users"}`, 401, "users"},
		{"join before sign-in", `{"type":"channelJoin","channelJoin":{"recipientUUID":""}}`, 401, "channelJoin"},
		{"message before sign-in", `{"type":"channelMessage","channelMessage":{"recipientUUID":"","message":"hi"}}`, 401, "channelMessage"},
		{"signOut before sign-in", `{"type":"signOut"}`, 401, "signOut"},
	}
	for _, tc := range before {
		c.SendRaw([]byte(tc.frame))
		e := c.ExpectError(tc.code)
		if e.Request != tc.request || e.Error == "" || e.Error != e.Message {
			t.Errorf("%s: error = %+v, want request %q and the same text in error and message", tc.name, e, tc.request)
		}
	}
	c.Send("signUp", map[string]string{"username": "dave", "password": "pw"})
	c.Expect("authorized", "sys")
	join(t, c, "")

	after := []struct {
		name, frame string
		code        int
	}{
		{"empty message", `{"type":"channelMessage","channelMessage":{"recipientUUID":"","message":" "}}`, 400},
		{"message too long", `{"type":"channelMessage","channelMessage":{"recipientUUID":"","message":"12345678901"}}`, 400},
		{"message not a string", `{"type":"channelMessage","channelMessage":{"recipientUUID":"","message":{"a":1}}}`, 400},
		{"recipient not a UUID", `{"type":"channelJoin","channelJoin":{"recipientUUID":"../../etc"}}`, 400},
		{"recipient who does not exist", `{"type":"channelJoin","channelJoin":{"recipientUUID":"6f1c1e1e-1111-4111-8111-111111111111"}}`, 404},
		{"message to nobody", `{"type":"channelMessage","channelMessage":{"recipientUUID":"6f1c1e1e-1111-4111-8111-111111111111","message":"hi"}}`, 404},
		{"negative since", `{"type":"channelJoin","channelJoin":{"recipientUUID":"","since":-1}}`, 400},
		{"since not a number", `{"type":"channelJoin","channelJoin":{"recipientUUID":"","since":"x"}}`, 400},
		{"clientID with spaces", `{"type":"channelMessage","channelMessage":{"recipientUUID":"","message":"hi","clientID":"a b"}}`, 400},
		{"signUp of a taken name", `{"type":"signUp","signUp":{"username":"DAVE","password":"pw"}}`, 409},
		{"channelLeave without payload", `{"type":"channelLeave"}`, 400},
		{"channelLeave with a null payload", `{"type":"channelLeave","channelLeave":null}`, 400},
	}
	for _, tc := range after {
		c.SendRaw([]byte(tc.frame))
		c.ExpectError(tc.code, "sys")
	}
	// A failed message names its clientID, so the client knows which one failed.
	c.Send("channelMessage", map[string]any{"recipientUUID": "", "message": "far too long for the limit", "clientID": "m-1"})
	var e struct {
		Code     int
		ClientID string `json:"clientID"`
	}
	c.Expect("error", "sys").Payload(t, &e)
	if e.Code != 400 || e.ClientID != "m-1" {
		t.Fatalf("error = %+v, want 400 with clientID m-1", e)
	}
	// Binary frames are refused the same way.
	if err := c.Conn.WriteMessage(websocket.BinaryMessage, []byte(`{"type":"users"}`)); err != nil {
		t.Fatal(err)
	}
	c.ExpectError(400, "sys")
	// Still joined, still working, nothing stored by the bad frames.
	m := send(t, c, "", "still here")
	if m.Offset != 1 {
		t.Fatalf("offset = %d, want 1: a bad frame stored something", m.Offset)
	}
}

// TestTopLevelUserUUIDIsIgnored: a client cannot act as another user by
// naming them in the envelope.
func TestTopLevelUserUUIDIsIgnored(t *testing.T) {
	a := chattest.Start(t, chattest.Config(t))
	alice := chattest.Dial(t, a.URL())
	aliceID := alice.SignUp("alice").UserUUID
	bob := chattest.Dial(t, a.URL())
	bobID := bob.SignUp("bob").UserUUID
	join(t, alice, "")
	join(t, bob, "")
	bob.SendRaw([]byte(`{"type":"channelMessage","userUUID":"` + aliceID + `","SUUID":"x","accessKey":"y",` +
		`"channelMessage":{"recipientUUID":"","message":"I am alice","userUUID":"` + aliceID + `"}}`))
	m := msgOf(t, alice.Expect("channelMessage", noise...))
	if m.SenderUUID != bobID || m.Sender.Username != "bob" {
		t.Fatalf("message sent as %s (%s), want bob", m.SenderUUID, m.Sender.Username)
	}
}

func TestFrameTooLargeGets413AndClose1009(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.ReadLimit = 1024
	a := chattest.Start(t, cfg)
	c := chattest.Dial(t, a.URL())
	c.SendRaw([]byte(`{"type":"users","users":{"pad":"` + strings.Repeat("x", 2000) + `"}}`))
	c.ExpectError(413)
	if code := c.WaitClosed(); code != websocket.CloseMessageTooBig {
		t.Fatalf("close code = %d, want 1009", code)
	}
}

func TestRateLimitGets429AndTheConnectionGoesOn(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.RateLimit = 0.001 // no refill within the test
	cfg.RateBurst = 3
	a := chattest.Start(t, cfg)
	c := chattest.Dial(t, a.URL())
	for range 3 {
		c.Send("users", nil)
		c.ExpectError(401)
	}
	c.Send("channelMessage", map[string]any{"recipientUUID": "", "message": "hi", "clientID": "m-9"})
	var e struct {
		Code     int
		Request  string
		ClientID string `json:"clientID"`
	}
	c.Expect("error").Payload(t, &e)
	if e.Code != 429 || e.Request != "channelMessage" || e.ClientID != "m-9" {
		t.Fatalf("error = %+v, want 429 naming the request and its clientID", e)
	}
	// It goes on after a refusal; one that keeps going after ten within a
	// minute is closed with 1008, its tenth 429 its last frame.
	for i := 2; i <= 10; i++ {
		c.Send("users", nil)
	}
	for i := 2; i <= 10; i++ {
		c.ExpectError(429)
	}
	if code := c.WaitClosed(); code != websocket.ClosePolicyViolation {
		t.Fatalf("closed with %d after ten refusals, want %d", code, websocket.ClosePolicyViolation)
	}
}

func TestInternalErrorIsGeneric(t *testing.T) {
	a := chattest.Start(t, chattest.Config(t))
	c := chattest.Dial(t, a.URL())
	_ = a.Redis.Close() // every Redis call now fails
	c.Send("signIn", map[string]string{"username": "erin", "password": "pw"})
	if e := c.ExpectError(500); e.Error != "internal error" {
		t.Fatalf("error text = %q, want the generic text", e.Error)
	}
}
