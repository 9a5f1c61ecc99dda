package functions_test

import (
	"testing"

	"github.com/redischat/chat/internal/chattest"
)

func TestSmoke(t *testing.T) {
	cfg := chattest.Config(t)
	a := chattest.Start(t, cfg)
	alice := chattest.Dial(t, a.URL())
	auth := alice.SignUp("alice")
	alice.Send("users", nil)
	f := alice.Expect("users", "sys")
	t.Logf("%s", f.Raw)
	alice.Send("channelJoin", map[string]any{"recipientUUID": ""})
	f = alice.Expect("channelJoin", "sys")
	t.Logf("%s", f.Raw)
	alice.Send("channelMessage", map[string]any{"recipientUUID": "", "message": "hello", "clientID": "c1"})
	f = alice.Expect("channelMessage", "sys")
	t.Logf("%s %s", f.Raw, auth.UserUUID)
}
