package chatcore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redischat/chat/chatcore"
)

// BenchmarkListUsers measures the users listing (a users request without
// limit: USERS_LIMIT, 1,000) with 10,000 users of whom 1,000 are online:
// the first page (the online users) and the page after its cursor (the
// first offline users, read past the online ones). Sequential: ns/op is the
// latency of one page.
func BenchmarkListUsers(b *testing.B) {
	const users, online = 10000, 1000
	store, _, cfg := benchStore(b)
	start := time.Now()
	benchUsers(b, store, users, users/online)
	b.Logf("%d users, %d online, created in %v", users, online, time.Since(start).Round(time.Millisecond))
	ctx := context.Background()
	first, err := store.ListUsers(ctx, cfg.UsersLimit, "", "")
	if err != nil {
		b.Fatal(err)
	}
	if len(first.Users) != online || first.Next == "" || first.Total != users {
		b.Fatalf("first page: %d users, total %d, next %q", len(first.Users), first.Total, first.Next)
	}
	for _, c := range []struct{ name, cursor string }{{"first", ""}, {"cursor", first.Next}} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				page, err := store.ListUsers(ctx, cfg.UsersLimit, c.cursor, "")
				if err != nil {
					b.Fatal(err)
				}
				if len(page.Users) != cfg.UsersLimit {
					b.Fatalf("got %d users, want %d", len(page.Users), cfg.UsersLimit)
				}
			}
		})
	}
}

// benchUsers signs up n users (bcrypt cost 4, eight at a time) and marks one
// in every of them online on one instance (SetOnline, as a sign-in does).
func benchUsers(b *testing.B, store *chatcore.Store, n, every int) {
	b.Helper()
	const workers = 8
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				u, err := store.SignUp(ctx, fmt.Sprintf("user%05d", i), "password")
				if err == nil && i%every == 0 {
					_, err = store.SetOnline(ctx, "bench-instance", u)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}
