package functions_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/redischat/chat/internal/chattest"
)

// TestPresenceBatched: sign-ins within PRESENCE_BATCH reach a connection
// as a few frames carrying every change, not one frame per sign-in.
func TestPresenceBatched(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.PresenceBatch = 300 * time.Millisecond
	a := chattest.Start(t, cfg)
	bob := chattest.Dial(t, a.URL())
	bob.SignUp("bob")
	const n = 20
	want := map[string]bool{}
	for i := range n {
		want[chattest.Dial(t, a.URL()).SignUp(fmt.Sprintf("user%d", i)).UserUUID] = true
	}
	frames := 0
	for len(want) > 0 {
		users := presenceOf(t, bob.Expect("sys", "typing"))
		if len(users) == 0 {
			continue
		}
		frames++
		for _, u := range users {
			if !u.OnLine {
				t.Fatalf("%s shown offline", u.Username)
			}
			delete(want, u.UUID)
		}
	}
	t.Logf("%d sign-ins reached another connection in %d frames", n, frames)
	if frames >= n/2 {
		t.Fatalf("%d frames for %d sign-ins: not batched", frames, n)
	}
}

// TestPresenceGrace: a user whose connection drops and who comes back
// within PRESENCE_GRACE is never shown offline; when they stay away, they
// are shown offline once, a grace period after they left.
func TestPresenceGrace(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.PresenceGrace = time.Second
	a := chattest.Start(t, cfg)
	bob := chattest.Dial(t, a.URL())
	bob.SignUp("bob")
	first := chattest.Dial(t, a.URL())
	auth := first.SignUp("alice")
	expectPresence(t, bob, auth.UserUUID)
	_ = first.Conn.Close()
	again := chattest.Dial(t, a.URL())
	again.SignInKey(auth.AccessKey) // back at once: within the grace
	// She stays long enough for a grace period started by the first
	// disconnect to run out (the scenario is about time passing).
	time.Sleep(cfg.PresenceGrace * 3 / 2)
	left := time.Now()
	_ = again.Conn.Close()
	p := expectPresence(t, bob, auth.UserUUID)
	waited := time.Since(left)
	if p.OnLine {
		t.Fatal("alice was shown online again: she was never offline")
	}
	if waited < cfg.PresenceGrace-50*time.Millisecond {
		t.Fatalf("alice shown offline %s after she left, before the grace of %s", waited, cfg.PresenceGrace)
	}
	t.Logf("offline %s after the last connection ended (grace %s)", waited.Round(time.Millisecond), cfg.PresenceGrace)
}

// TestJoinsGathered: joins of the general channel within PRESENCE_BATCH
// reach its members as channelMembers frames, not one frame per join.
func TestJoinsGathered(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.PresenceBatch = 300 * time.Millisecond
	a := chattest.Start(t, cfg)
	bob := chattest.Dial(t, a.URL())
	bob.SignUp("bob")
	join(t, bob, "")
	const n = 10
	want := map[string]bool{}
	for i := range n {
		c := chattest.Dial(t, a.URL())
		want[c.SignUp(fmt.Sprintf("joiner%d", i)).UserUUID] = true
		join(t, c, "")
	}
	frames := 0
	for len(want) > 0 {
		var s struct {
			Type           string
			User           *struct{ UUID string }
			ChannelMembers *struct {
				RecipientUUID string
				Joined, Left  []struct{ UUID string }
			}
		}
		bob.Expect("sys", "typing").Payload(t, &s)
		switch s.Type {
		case "channelJoin":
			frames++
			delete(want, s.User.UUID)
		case "channelMembers":
			frames++
			if s.ChannelMembers.RecipientUUID != "" || len(s.ChannelMembers.Left) != 0 {
				t.Fatalf("channelMembers = %+v", s.ChannelMembers)
			}
			for _, u := range s.ChannelMembers.Joined {
				delete(want, u.UUID)
			}
		}
	}
	t.Logf("%d joins reached another member in %d frames", n, frames)
	if frames >= n/2 {
		t.Fatalf("%d frames for %d joins: not gathered", frames, n)
	}
}
