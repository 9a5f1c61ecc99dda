package functions_test

import (
	"testing"
	"time"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
)

// A connection that was given a page of the users listing is told of the
// presence, and of the joins and leaves, of the users in that part of the
// listing only (and of itself and its private channel's other member).

// listUsers asks c for a users page of at most limit and returns it.
func listUsers(t testing.TB, c *chattest.WS, limit int) []chatcore.User {
	t.Helper()
	c.Send("users", map[string]any{"limit": limit})
	var r struct {
		Users []chatcore.User
		Next  string
	}
	c.Expect("users", noise...).Payload(t, &r)
	if r.Next == "" {
		t.Fatalf("users {limit:%d} = %+v: want a next page", limit, r.Users)
	}
	return r.Users
}

// signUp opens a connection on url and signs name up on it.
func signUp(t testing.TB, url, name string) (*chattest.WS, chattest.Auth) {
	t.Helper()
	c := chattest.Dial(t, url)
	return c, c.SignUp(name)
}

// nextChange returns the next user c is told a change of: a presence that
// differs from online, which it then records. A push that repeats what
// online holds is passed over: on a Redis Cluster the presence of a sign-in
// published just before a users request may arrive after its reply, from
// the node of the user's presence bucket.
func nextChange(t testing.TB, c *chattest.WS, online map[string]bool) chatcore.User {
	t.Helper()
	for {
		for _, u := range presenceOf(t, c.Expect("sys", "typing")) {
			if was, known := online[u.UUID]; !known || was != u.OnLine {
				online[u.UUID] = u.OnLine
				return u
			}
		}
	}
}

// TestPresenceOfShownUsers: after a page of two users, a change of a user
// beyond it is not told; one within it is, as is a change of the private
// channel's other member.
func TestPresenceOfShownUsers(t *testing.T) {
	a := chattest.Start(t, chattest.Config(t))
	online := map[string]bool{}
	for _, name := range []string{"anna", "bert"} {
		_, auth := signUp(t, a.URL(), name)
		online[auth.UserUUID] = true
	}
	carl, _ := signUp(t, a.URL(), "carl")
	doraWS, dora := signUp(t, a.URL(), "dora")
	mia, miaAuth := signUp(t, a.URL(), "mia")
	online[dora.UserUUID], online[miaAuth.UserUUID] = true, true
	if got := listUsers(t, mia, 2); got[0].Username != "anna" || got[1].Username != "bert" {
		t.Fatalf("first page %+v", got)
	}

	carl.Send("signOut", nil) // beyond the page: not told
	carl.Expect("signOut", noise...)
	_, aaron := signUp(t, a.URL(), "aaron") // within it: told
	if u := nextChange(t, mia, online); u.UUID != aaron.UserUUID || !u.OnLine {
		t.Fatalf("told of %+v first: want aaron online (carl is beyond the page)", u)
	}

	join(t, mia, dora.UserUUID) // dora is beyond the page, but mia's peer
	doraWS.Send("signOut", nil)
	if u := nextChange(t, mia, online); u.UUID != dora.UserUUID || u.OnLine {
		t.Fatalf("told of %+v: want dora offline", u)
	}
}

// TestPresenceBatchOfShownUsers: gathered presence changes reach a
// connection with those of the users in its view only.
func TestPresenceBatchOfShownUsers(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.PresenceBatch = 200 * time.Millisecond
	a := chattest.Start(t, cfg)
	signUp(t, a.URL(), "anna")
	signUp(t, a.URL(), "bert")
	signUp(t, a.URL(), "carl")
	mia, _ := signUp(t, a.URL(), "mia")
	listUsers(t, mia, 2)
	want := map[string]bool{}
	beyond := map[string]bool{}
	for _, name := range []string{"xaver", "aaron", "yann", "ben", "zora"} {
		_, auth := signUp(t, a.URL(), name)
		if name < "bert" {
			want[auth.UserUUID] = true
		} else {
			beyond[auth.UserUUID] = true
		}
	}
	for len(want) > 0 {
		for _, u := range presenceOf(t, mia.Expect("sys", "typing")) {
			if beyond[u.UUID] {
				t.Fatalf("told of %s, beyond the page", u.Username)
			}
			delete(want, u.UUID)
		}
	}
	// Pushes keep their order: one beyond the page would come before abby.
	_, abby := signUp(t, a.URL(), "abby")
	for {
		for _, u := range presenceOf(t, mia.Expect("sys", "typing")) {
			if beyond[u.UUID] {
				t.Fatalf("told of %s, beyond the page", u.Username)
			}
			if u.UUID == abby.UserUUID {
				return
			}
		}
	}
}

// TestJoinsOfShownMembers: after a general join whose page of members has
// a next page, joins and leaves of members beyond it are not told; those
// within it are.
func TestJoinsOfShownMembers(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.JoinUsersLimit = 2
	a := chattest.Start(t, cfg)
	var carl *chattest.WS
	for _, name := range []string{"anna", "bert", "carl"} {
		c, _ := signUp(t, a.URL(), name)
		join(t, c, "")
		carl = c
	}
	mia, _ := signUp(t, a.URL(), "mia")
	if r := join(t, mia, ""); len(r.Users) != 2 || r.Users[0].Username != "anna" {
		t.Fatalf("members page %+v", r.Users)
	}
	zoe, _ := signUp(t, a.URL(), "zoe")
	join(t, zoe, "") // beyond the page: not told
	abe, abeAuth := signUp(t, a.URL(), "abe")
	join(t, abe, "") // within it: told
	if s := expectSys(t, mia, "channelJoin"); s.UserUUID != abeAuth.UserUUID && s.User.UUID != abeAuth.UserUUID {
		t.Fatalf("told of the join of %+v first: want abe's (zoe is beyond the page)", s.User)
	}
	carl.Send("channelLeave", map[string]string{"recipientUUID": ""}) // beyond
	carl.Expect("channelLeave", noise...)
	abe.Send("channelLeave", map[string]string{"recipientUUID": ""}) // within
	abe.Expect("channelLeave", noise...)
	if s := expectSys(t, mia, "channelLeave"); s.User.UUID != abeAuth.UserUUID {
		t.Fatalf("told of the leave of %+v first: want abe's (carl is beyond the page)", s.User)
	}
}
