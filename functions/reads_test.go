package functions_test

import (
	"encoding/json"
	"testing"

	"github.com/redischat/chat/internal/chattest"
)

type channelState struct {
	RecipientUUID string
	LastOffset    int64
	ReadOffset    int64
	LastMessage   *message
}

// listChannels asks c for its channels, by recipientUUID.
func listChannels(t *testing.T, c *chattest.WS) map[string]channelState {
	t.Helper()
	c.Send("channels", nil)
	var r struct{ Channels []channelState }
	c.Expect("channels", "sys", "typing", "notify", "channelMessage").Payload(t, &r)
	out := map[string]channelState{}
	for _, ch := range r.Channels {
		out[ch.RecipientUUID] = ch
	}
	return out
}

// markRead sends channelRead and returns the stored offset of the reply.
func markRead(t *testing.T, c *chattest.WS, recipient string, offset int64) int64 {
	t.Helper()
	c.Send("channelRead", map[string]any{"recipientUUID": recipient, "offset": offset})
	var r struct {
		RecipientUUID string
		Offset        int64
	}
	c.Expect("channelRead", "sys", "typing", "notify", "channelMessage").Payload(t, &r)
	if r.RecipientUUID != recipient {
		t.Fatalf("channelRead reply names %q, want %q", r.RecipientUUID, recipient)
	}
	return r.Offset
}

// TestReadPositions: channels lists general and the private channels a
// user has, with their last offsets and messages and the user's read
// positions; channelRead moves a position forward only, never past the
// last message, and is pushed to the user's other connections on another
// instance, not to the one that sent it; HTTP serves both.
func TestReadPositions(t *testing.T) {
	cfg := chattest.Config(t)
	one, two := chattest.Start(t, cfg), chattest.Start(t, cfg)
	alice := chattest.Dial(t, one.URL())
	auth := alice.SignUp("alice")
	phone := chattest.Dial(t, two.URL())
	phone.SignInKey(auth.AccessKey)
	bob := chattest.Dial(t, one.URL())
	bobID := bob.SignUp("bob").UserUUID
	join(t, bob, auth.UserUUID)
	for _, text := range []string{"one", "two", "three"} {
		send(t, bob, auth.UserUUID, text)
	}

	got := listChannels(t, alice)
	private := got[bobID]
	if len(got) != 2 || got[""].RecipientUUID != "" || private.LastOffset != 3 || private.ReadOffset != 0 ||
		private.LastMessage == nil || private.LastMessage.Message != "three" {
		t.Fatalf("channels %+v: want general and bob's with 3 messages, none read", got)
	}
	if n := markRead(t, alice, bobID, 2); n != 2 {
		t.Fatalf("channelRead 2 stored %d", n)
	}
	if n := markRead(t, alice, bobID, 1); n != 2 {
		t.Fatalf("channelRead 1 after 2 stored %d: a position never goes back", n)
	}
	if n := markRead(t, alice, bobID, 99); n != 3 {
		t.Fatalf("channelRead 99 of 3 messages stored %d, want 3", n)
	}
	for _, want := range []int64{2, 3} { // the phone is told of each move, once
		var r struct{ Offset int64 }
		phone.Expect("channelRead", "sys", "typing", "notify").Payload(t, &r)
		if r.Offset != want {
			t.Fatalf("phone told of %d, want %d", r.Offset, want)
		}
	}
	if got := listChannels(t, phone); got[bobID].ReadOffset != 3 || got[""].ReadOffset != 0 {
		t.Fatalf("channels on the phone %+v: want bob's read to 3, general unread", got)
	}
	alice.Send("users", nil) // alice was not pushed her own moves: the next frame is this reply
	alice.Expect("users", "sys", "typing", "notify")

	// HTTP, and bad input.
	code, env := post(t, one.URL()+"/channels", "", "Authorization", "Bearer "+auth.AccessKey)
	var list []channelState
	if err := json.Unmarshal(env["channels"], &struct{ Channels *[]channelState }{&list}); code != 200 || err != nil || len(list) != 2 {
		t.Fatalf("POST /channels: %d %s", code, env["channels"])
	}
	for _, body := range []string{`{"recipientUUID":""}`, `{"offset":1}`, `{"recipientUUID":"","offset":-1}`, `{"recipientUUID":"nobody","offset":1}`} {
		if code, env := post(t, one.URL()+"/channelRead", body, "Authorization", "Bearer "+auth.AccessKey); code != 400 && code != 404 {
			t.Errorf("POST /channelRead %s: %d %v, want 400", body, code, env)
		}
	}
}
