package functions_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
)

type usersReply struct {
	Total    int64           `json:"total"`
	Received int             `json:"received"`
	Users    []chatcore.User `json:"users"`
	Next     string          `json:"next"`
}

// TestUsersPages: users {limit, after} pages through every user exactly
// once, online users first, each part by name, with the total from the
// index; a bad cursor is a 400.
func TestUsersPages(t *testing.T) {
	cfg := chattest.Config(t)
	a := chattest.Start(t, cfg)
	store := a.Node.Store()
	var offline []string
	for i := range 23 { // never signed in on a socket: offline
		name := fmt.Sprintf("Zed%02d", 22-i)
		if _, err := store.SignUp(t.Context(), name, "pw"); err != nil {
			t.Fatal(err)
		}
		offline = append(offline, name)
	}
	var online []string
	for i := range 4 {
		name := fmt.Sprintf("amy%d", 3-i)
		chattest.Dial(t, a.URL()).SignUp(name)
		online = append(online, name)
	}
	me := chattest.Dial(t, a.URL())
	me.SignUp("Bob")
	online = append(online, "Bob")
	slices.SortFunc(online, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	slices.Sort(offline)
	want := append(append([]string{}, online...), offline...)

	var got []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		p := map[string]any{"limit": 4}
		if after != "" {
			p["after"] = after
		}
		me.Send("users", p)
		var r usersReply
		me.Expect("users", noise...).Payload(t, &r)
		if r.Total != int64(len(want)) || r.Received != len(r.Users) || len(r.Users) > 4 {
			t.Fatalf("page %d: total %d received %d users %d", pages, r.Total, r.Received, len(r.Users))
		}
		for _, u := range r.Users {
			if u.OnLine != slices.Contains(online, u.Username) {
				t.Fatalf("%s shown OnLine=%v", u.Username, u.OnLine)
			}
			got = append(got, u.Username)
		}
		if r.Next == "" {
			break
		}
		after = r.Next
	}
	if !slices.Equal(got, want) {
		t.Fatalf("listing\n got %v\nwant %v", got, want)
	}
	me.Send("users", map[string]any{"after": "not a cursor!"})
	me.ExpectError(400, noise...)
}

// TestFirstUsersPageKept: the first page is read once and kept, but never
// past a presence change this instance has seen: a user who came online
// is in the next first page at once, one who went offline is shown so.
func TestFirstUsersPageKept(t *testing.T) {
	a := chattest.Start(t, chattest.Config(t))
	watcher := chattest.Dial(t, a.URL())
	watcher.SignUp("watcher")
	first := func() map[string]bool {
		watcher.Send("users", nil)
		var r usersReply
		watcher.Expect("users", noise...).Payload(t, &r)
		online := map[string]bool{}
		for _, u := range r.Users {
			online[u.Username] = u.OnLine
		}
		return online
	}
	if got := first(); !got["watcher"] || len(got) != 1 {
		t.Fatalf("first page %v", got)
	}
	newcomer := chattest.Dial(t, a.URL())
	auth := newcomer.SignUp("newcomer")
	expectPresence(t, watcher, auth.UserUUID) // this instance has seen it
	if got := first(); !got["newcomer"] {
		t.Fatalf("first page after a sign-in %v: newcomer missing", got)
	}
	newcomer.Send("signOut", nil)
	if p := expectPresence(t, watcher, auth.UserUUID); p.OnLine {
		t.Fatal("newcomer still shown online")
	}
	if got := first(); got["newcomer"] {
		t.Fatalf("first page after a sign-out %v: newcomer online", got)
	}
}
