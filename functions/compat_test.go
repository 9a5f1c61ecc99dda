package functions_test

import (
	"testing"

	"github.com/redischat/chat/internal/chattest"
)

// TestOriginalClientSequence replays what the original demo's React client
// sends on sign-in, back to back without waiting for replies, with the
// top-level fields it adds (SUUID, SSUID, userUUID, accessKey,
// userAccessKey) and the extra senderUUID in channelLeave. The replies come
// in request order, as that client expects.
func TestOriginalClientSequence(t *testing.T) {
	a := chattest.Start(t, chattest.Config(t))
	c := chattest.Dial(t, a.URL())
	frames := []string{
		`{"SUUID":"` + c.SessionUUID + `","type":"signIn","signIn":{"username":"classic","password":"pw"}}`,
		`{"SSUID":"` + c.SessionUUID + `","type":"users","userUUID":"","accessKey":""}`,
		`{"SUUID":"` + c.SessionUUID + `","type":"channelJoin","userUUID":"","accessKey":"","channelJoin":{"recipientUUID":""}}`,
		`{"SUUID":"` + c.SessionUUID + `","type":"channelMessage","userUUID":"","accessKey":"","channelMessage":{"recipientUUID":"","message":"hello from 2021"}}`,
		`{"SUUID":"` + c.SessionUUID + `","type":"channelLeave","userUUID":"","userAccessKey":"","channelLeave":{"recipientUUID":"","senderUUID":""}}`,
		`{"type":"signOut"}`,
	}
	for _, f := range frames {
		c.SendRaw([]byte(f))
	}
	var sys struct {
		Type   string
		SignIn struct{ UUID, Username string }
	}
	var auth chattest.Auth
	// The user's own presence push may come first; then the sign-in's sys.
	c.Expect("authorized", "sys").Payload(t, &auth)
	for {
		c.Expect("sys").Payload(t, &sys)
		if sys.Type == "signIn" {
			break
		}
	}
	if sys.SignIn.UUID != auth.UserUUID || sys.SignIn.Username != "classic" {
		t.Fatalf("sys signIn = %+v", sys)
	}
	var users struct {
		Total, Received int
	}
	c.Expect("users", "sys").Payload(t, &users)
	if users.Total != 1 {
		t.Fatalf("users = %+v", users)
	}
	c.Expect("channelJoin", "sys")
	if m := msgOf(t, c.Expect("channelMessage", "sys")); m.Message != "hello from 2021" || m.SenderUUID != auth.UserUUID {
		t.Fatalf("message = %+v", m)
	}
	c.Expect("channelLeave", "sys")
	var out struct{ UUID string }
	c.Expect("signOut", "sys").Payload(t, &out)
	if out.UUID != auth.UserUUID {
		t.Fatalf("signOut = %+v", out)
	}
}
