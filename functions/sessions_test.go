package functions_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
)

// expectEnded waits for c to be sent signOut and closed as signed out.
func expectEnded(t *testing.T, c *chattest.WS, who string) {
	t.Helper()
	var p struct{ UUID string }
	c.Expect("signOut", noise...).Payload(t, &p)
	if p.UUID != who {
		t.Fatalf("signOut %+v: want uuid %s", p, who)
	}
	if code := c.WaitClosed(); code != websocket.CloseNormalClosure {
		t.Fatalf("closed with %d, want %d", code, websocket.CloseNormalClosure)
	}
}

// TestSignOutEndsTheKeysSessions: signOut on one connection ends every
// connection signed in with the same access key, on both instances, over
// a websocket and over HTTP; a connection with another key of the same
// user stays signed in.
func TestSignOutEndsTheKeysSessions(t *testing.T) {
	cfg := chattest.Config(t)
	one, two := chattest.Start(t, cfg), chattest.Start(t, cfg)
	first := chattest.Dial(t, one.URL())
	auth := first.SignUp("alice")
	sameHere, sameThere := chattest.Dial(t, one.URL()), chattest.Dial(t, two.URL())
	sameHere.SignInKey(auth.AccessKey)
	sameThere.SignInKey(auth.AccessKey)
	join(t, sameThere, "")
	other := chattest.Dial(t, two.URL()) // alice with a key of her own
	other.Send("signIn", map[string]string{"username": "alice", "password": "pw-alice"})
	otherAuth := other.Expect("authorized", noise...)
	var otherKey chattest.Auth
	otherAuth.Payload(t, &otherKey)

	first.Send("signOut", nil)
	first.Expect("signOut", noise...)
	expectEnded(t, sameHere, auth.UserUUID)
	expectEnded(t, sameThere, auth.UserUUID)
	other.Send("users", nil) // still signed in
	other.Expect("users", noise...)

	// Over HTTP, with the other key.
	if code, env := post(t, one.URL()+"/signOut", "", "Authorization", "Bearer "+otherKey.AccessKey); code != 200 {
		t.Fatalf("POST /signOut: %d %v", code, env)
	}
	expectEnded(t, other, auth.UserUUID)
}

// TestRevokedKeyFoundOnRefresh: a connection whose access key stopped
// working without its instance being told (the push lost in a pub/sub gap)
// is signed out at the next presence refresh.
func TestRevokedKeyFoundOnRefresh(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.PresenceRefresh = 100 * time.Millisecond
	a := chattest.Start(t, cfg)
	c := chattest.Dial(t, a.URL())
	auth := c.SignUp("alice")
	sum := sha256.Sum256([]byte(auth.AccessKey))
	rdb := chattest.Client(t, cfg)
	if n, err := rdb.Del(t.Context(), chatcore.NewKeys(cfg.KeyPrefix).Session(hex.EncodeToString(sum[:]))).Result(); err != nil || n != 1 {
		t.Fatalf("delete the session key: %d, %v", n, err)
	}
	expectEnded(t, c, auth.UserUUID)
}

// TestReadyNamesTheMessageLimit: ready carries MAX_MESSAGE_LENGTH.
func TestReadyNamesTheMessageLimit(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.MaxMessageLength = 2000
	a := chattest.Start(t, cfg)
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(a.URL(), "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var ready struct {
		Type  string
		Ready struct{ MaxMessageLength int }
	}
	if err := conn.ReadJSON(&ready); err != nil || ready.Type != "ready" || ready.Ready.MaxMessageLength != 2000 {
		t.Fatalf("first frame %+v (%v): want ready with maxMessageLength 2000", ready, err)
	}
}
