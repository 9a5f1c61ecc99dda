package functions_test

import (
	"testing"

	"github.com/redischat/chat/internal/chattest"
)

// TestRejoinTellsNobody: a connection that joins the channel it is in
// again gets a full join reply, and the other members are told of no
// leave and no join: the member never left.
func TestRejoinTellsNobody(t *testing.T) {
	a := chattest.Start(t, chattest.Config(t))
	bob := chattest.Dial(t, a.URL())
	bob.SignUp("bob")
	join(t, bob, "")
	alice := chattest.Dial(t, a.URL())
	aliceID := alice.SignUp("alice").UserUUID
	join(t, alice, "")
	if s := expectSys(t, bob, "channelJoin"); s.User.UUID != aliceID {
		t.Fatalf("bob told of the join of %+v, want alice's", s.User)
	}
	send(t, alice, "", "before")
	if r := join(t, alice, ""); len(r.Messages) != 1 || r.Messages[0].Message != "before" {
		t.Fatalf("rejoin reply %v, want the history", texts(r.Messages))
	}
	send(t, alice, "", "after")
	for f := bob.Next(); ; f = bob.Next() { // up to "after": pushes keep their order
		if f.Type == "channelMessage" && msgOf(t, f).Message == "after" {
			return
		}
		var s sysPush
		if f.Type == "sys" {
			f.Payload(t, &s)
		}
		if (s.Type == "channelLeave" || s.Type == "channelJoin") && s.User.UUID == aliceID {
			t.Fatalf("bob told of %s by a rejoin: %s", s.Type, f.Raw)
		}
	}
}
