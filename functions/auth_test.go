package functions_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
)

func TestSignUpSignInUsersSignOut(t *testing.T) {
	a := chattest.Start(t, chattest.Config(t))
	alice := chattest.Dial(t, a.URL())
	auth := alice.SignUp("Alice")
	if auth.UserUUID == "" || len(auth.AccessKey) != 43 {
		t.Fatalf("authorized = %+v, want a user UUID and a 43-character key", auth)
	}

	// The same name in another case is the same user.
	other := chattest.Dial(t, a.URL())
	other.Send("signIn", map[string]string{"username": "  ALICE ", "password": "pw-Alice"})
	var again chattest.Auth
	other.Expect("authorized", noise...).Payload(t, &again)
	if again.UserUUID != auth.UserUUID || again.AccessKey == auth.AccessKey {
		t.Fatalf("second sign-in = %+v, want user %s with a new key", again, auth.UserUUID)
	}
	var sys struct {
		Type   string
		SignIn struct{ UUID, Username string }
	}
	other.Expect("sys").Payload(t, &sys)
	if sys.Type != "signIn" || sys.SignIn.UUID != auth.UserUUID || sys.SignIn.Username != "Alice" {
		t.Fatalf("sys = %+v, want signIn of Alice as first written", sys)
	}

	// signUp of a taken name, in any case, is 409 and signs nobody in.
	taken := chattest.Dial(t, a.URL())
	taken.Send("signUp", map[string]string{"username": "alice", "password": "x"})
	taken.ExpectError(409)
	taken.Send("users", nil)
	taken.ExpectError(401)

	// A wrong password is 401.
	taken.Send("signIn", map[string]string{"username": "Alice", "password": "wrong"})
	taken.ExpectError(401)

	// signIn with an unknown name creates the user (the original's rule).
	bob := chattest.Dial(t, a.URL())
	bob.Send("signIn", map[string]string{"username": "bob", "password": "secret"})
	var bobAuth chattest.Auth
	bob.Expect("authorized", noise...).Payload(t, &bobAuth)
	bob.Expect("sys")

	bob.Send("users", nil)
	var list struct {
		Total, Received int
		Users           []chatcore.User
	}
	bob.Expect("users", noise...).Payload(t, &list)
	if list.Total != 2 || list.Received != 2 || len(list.Users) != 2 {
		t.Fatalf("users = %+v, want 2 of 2", list)
	}
	for _, u := range list.Users {
		if !u.OnLine {
			t.Errorf("user %s is offline, want online", u.Username)
		}
	}

	// The access key resumes on a new connection.
	resumed := chattest.Dial(t, a.URL())
	if got := resumed.SignInKey(auth.AccessKey); got.UserUUID != auth.UserUUID || got.AccessKey != auth.AccessKey {
		t.Fatalf("resume = %+v, want %+v", got, auth)
	}

	// signOut: the connection stays open, signed out, and its key is dead.
	alice.Send("signOut", nil)
	var out struct{ UUID string }
	alice.Expect("signOut", noise...).Payload(t, &out)
	if out.UUID != auth.UserUUID {
		t.Fatalf("signOut = %+v, want uuid %s", out, auth.UserUUID)
	}
	alice.Send("users", nil)
	alice.ExpectError(401, noise...)
	alice.Send("signIn", map[string]string{"accessKey": auth.AccessKey})
	alice.ExpectError(401, noise...)
	// ...and can sign in again.
	alice.Send("signIn", map[string]string{"username": "alice", "password": "pw-Alice"})
	alice.Expect("authorized", noise...)
}

func TestPresenceFollowsConnections(t *testing.T) {
	a := chattest.Start(t, chattest.Config(t))
	bob := chattest.Dial(t, a.URL())
	bobAuth := bob.SignUp("bob")
	alice1 := chattest.Dial(t, a.URL())
	aliceAuth := alice1.SignUp("alice")

	p := expectPresence(t, bob, aliceAuth.UserUUID)
	if !p.OnLine || p.Username != "alice" {
		t.Fatalf("presence = %+v, want alice online", p)
	}
	// A second connection of alice changes nothing; closing one of two
	// changes nothing; signing out the last takes her offline.
	alice2 := chattest.Dial(t, a.URL())
	alice2.SignInKey(aliceAuth.AccessKey)
	_ = alice1.Conn.Close()
	alice2.Send("signOut", nil)
	alice2.Expect("signOut", noise...)
	if p = expectPresence(t, bob, aliceAuth.UserUUID); p.OnLine {
		t.Fatalf("presence = %+v, want alice offline, and no event in between", p)
	}
	bob.Send("users", nil)
	var list struct{ Users []chatcore.User }
	bob.Expect("users", noise...).Payload(t, &list)
	for _, u := range list.Users {
		if want := u.UUID == bobAuth.UserUUID; u.OnLine != want {
			t.Errorf("%s online = %v, want %v", u.Username, u.OnLine, want)
		}
	}
}

// TestSigningInAgainAsOneselfChangesNoPresence: a client that sends signIn
// twice (the original client may) does not flicker offline and online.
func TestSigningInAgainAsOneselfChangesNoPresence(t *testing.T) {
	a := chattest.Start(t, chattest.Config(t))
	bob := chattest.Dial(t, a.URL())
	bob.SignUp("bob")
	join(t, bob, "")
	alice := chattest.Dial(t, a.URL())
	auth := alice.SignUp("alice")
	expectPresence(t, bob, auth.UserUUID)
	alice.SignInKey(auth.AccessKey)
	join(t, alice, "")
	send(t, alice, "", "still me")
	noPresenceBeforeMessage(t, bob, auth.UserUUID, "presence changed on a second sign-in")
}

// TestNoGhostPresence: the presence refresh must never bring back online a
// user whose last connection just left.
func TestNoGhostPresence(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.PresenceRefresh = 2 * time.Millisecond
	cfg.PresenceTTL = 10 * time.Second
	a := chattest.Start(t, cfg)
	// Many signed-in users make each refresh long enough to be caught in.
	for i := range 100 {
		chattest.Dial(t, a.URL()).SignUp(fmt.Sprintf("idle%d", i))
	}
	bob := chattest.Dial(t, a.URL())
	bob.SignUp("bob")
	join(t, bob, "")
	first := chattest.Dial(t, a.URL())
	auth := first.SignUp("alice")
	expectPresence(t, bob, auth.UserUUID)
	_ = first.Conn.Close()
	if expectPresence(t, bob, auth.UserUUID).OnLine {
		t.Fatal("want alice offline")
	}
	for i := range 30 {
		alice := chattest.Dial(t, a.URL())
		alice.SignInKey(auth.AccessKey)
		if !expectPresence(t, bob, auth.UserUUID).OnLine {
			t.Fatal("want alice online")
		}
		_ = alice.Conn.Close()
		if expectPresence(t, bob, auth.UserUUID).OnLine {
			t.Fatal("want alice offline")
		}
		bob.Send("channelMessage", map[string]any{"recipientUUID": "", "message": fmt.Sprint(i)})
		noPresenceBeforeMessage(t, bob, auth.UserUUID, fmt.Sprintf("round %d: alice came back", i))
	}
}
