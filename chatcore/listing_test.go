package chatcore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
)

// TestListUsersMergesBuckets: the listing, read from every bucket at once
// and merged, gives every user once, online first, each part in name order
// (case-insensitively, then by ID), whatever the page size.
func TestListUsersMergesBuckets(t *testing.T) {
	cfg := chattest.Config(t)
	store := chatcore.NewStore(chattest.Client(t, cfg), cfg)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	var users []chatcore.User
	for i := range 300 {
		// Names clustered on a few prefixes, mixed case: pages end inside
		// runs of names that several buckets share.
		name := fmt.Sprintf("%c%s%03d", "aAbBzZ"[rng.IntN(6)], strings.Repeat("x", rng.IntN(3)), i)
		u, err := store.SignUp(ctx, name, "pw")
		if err != nil {
			t.Fatal(err)
		}
		if i%7 == 0 {
			if _, err := store.SetOnline(ctx, "i1", u); err != nil {
				t.Fatal(err)
			}
			u.OnLine = true
		}
		users = append(users, u)
	}
	want := slices.Clone(users)
	slices.SortFunc(want, func(a, b chatcore.User) int {
		if a.OnLine != b.OnLine {
			if a.OnLine {
				return -1
			}
			return 1
		}
		return strings.Compare(strings.ToLower(a.Username)+"\x00"+a.UUID, strings.ToLower(b.Username)+"\x00"+b.UUID)
	})
	for _, limit := range []int{1, 7, 50, 299, 1000} {
		var got []chatcore.User
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 400 {
				t.Fatalf("limit %d: no end after %d pages", limit, pages)
			}
			page, err := store.ListUsers(ctx, limit, cursor, "")
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != 300 || len(page.Users) > limit || len(page.Users) == 0 && page.Next != "" {
				t.Fatalf("limit %d: page of %d users, total %d, next %q", limit, len(page.Users), page.Total, page.Next)
			}
			got = append(got, page.Users...)
			if cursor = page.Next; cursor == "" {
				break
			}
		}
		if len(got) != len(want) {
			t.Fatalf("limit %d: %d users listed, want %d", limit, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("limit %d: user %d is %+v, want %+v", limit, i, got[i], want[i])
			}
		}
	}
}
