package chatcore_test

import (
	"context"
	"errors"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
)

// TestMigrateUsers: accounts of the layout before buckets (every user in
// {users}) keep working: copied once at start, and found one by one when
// an older instance created them after that copy.
func TestMigrateUsers(t *testing.T) {
	cfg := chattest.Config(t)
	rdb := chattest.Client(t, cfg)
	store := chatcore.NewStore(rdb, cfg)
	ctx := context.Background()
	legacy := func(id, name, key, password string) {
		t.Helper()
		hash, err := bcrypt.GenerateFromPassword([]byte(password), 4)
		if err != nil {
			t.Fatal(err)
		}
		p := cfg.KeyPrefix + "{users}"
		if err := errors.Join(
			rdb.HSet(ctx, p+":byname", key, id).Err(),
			rdb.HSet(ctx, p+":names", id, name).Err(),
			rdb.HSet(ctx, p+":user:"+id, "username", name, "password", hash, "created", "2025-01-01T00:00:00Z").Err(),
		); err != nil {
			t.Fatal(err)
		}
	}
	const carol, dave = "c0ffee00-0000-4000-8000-000000000001", "c0ffee00-0000-4000-8000-000000000002"
	legacy(carol, "Carol", "carol", "carol-pw")

	if n, err := store.MigrateUsers(ctx); err != nil || n != 1 {
		t.Fatalf("MigrateUsers copied %d (%v), want 1", n, err)
	}
	if n, err := store.MigrateUsers(ctx); err != nil || n != 0 {
		t.Fatalf("second MigrateUsers copied %d (%v), want 0: done once", n, err)
	}
	u, err := store.SignIn(ctx, "carol", "carol-pw", false)
	if err != nil || u.UUID != carol || u.Username != "Carol" {
		t.Fatalf("sign-in of a copied account: %+v, %v", u, err)
	}
	if _, err := store.SignIn(ctx, "Carol", "wrong", false); !errors.Is(err, chatcore.ErrBadCredentials) {
		t.Fatalf("wrong password of a copied account: %v", err)
	}

	// An older instance, still running, creates Dave after the copy.
	legacy(dave, "Dave", "dave", "dave-pw")
	if u, err := store.UserByID(ctx, dave); err != nil || u.Username != "Dave" {
		t.Fatalf("UserByID of an account only in the old layout: %+v, %v", u, err)
	}
	if _, err := store.SignUp(ctx, "DAVE", "other-pw"); !errors.Is(err, chatcore.ErrUsernameTaken) {
		t.Fatalf("sign-up of a name taken in the old layout: %v, want taken", err)
	}
	if u, err := store.SignIn(ctx, "dave", "dave-pw", true); err != nil || u.UUID != dave {
		t.Fatalf("sign-in of an account only in the old layout: %+v, %v", u, err)
	}
	page, err := store.ListUsers(ctx, 10, "", "")
	if err != nil || page.Total != 2 || len(page.Users) != 2 || page.Users[0].Username != "Carol" || page.Users[1].Username != "Dave" {
		t.Fatalf("listing after the copies: %+v, %v", page, err)
	}
}
