package chatcore_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
)

func TestParseRate(t *testing.T) {
	for in, want := range map[string]chatcore.Rate{
		"30/1m": {N: 30, Per: time.Minute}, " 10 / 1h ": {N: 10, Per: time.Hour}, "0": {}, "": {},
	} {
		if got, err := chatcore.ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"30", "x/1m", "-1/1m", "0/1m", "3/soon", "3/0s", "3/1us"} {
		if _, err := chatcore.ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) accepted", in)
		}
	}
	if s := (chatcore.Rate{N: 30, Per: 10 * time.Second}).String(); s != "30/10s" {
		t.Errorf("String() = %q", s)
	}
}

func TestRateVariableIsChecked(t *testing.T) {
	t.Setenv("LIMIT_MESSAGES_PER_USER", "many")
	if _, err := chatcore.LoadConfig(); err == nil || !strings.Contains(err.Error(), "LIMIT_MESSAGES_PER_USER") {
		t.Fatalf("error %v, want one naming LIMIT_MESSAGES_PER_USER", err)
	}
}

// limitedStore returns a store whose limits apply to 192.0.2.0/24 (the
// tests' Redis; loopback and no address are exempt), logging to log.
func limitedStore(t *testing.T, cfg chatcore.Config, log *slog.Logger) *chatcore.Store {
	t.Helper()
	n, err := chatcore.New(cfg, chattest.Client(t, cfg), log)
	if err != nil {
		t.Fatal(err)
	}
	return n.Store()
}

// TestGCRA: a subject may spend the whole burst at once; the next request
// is refused for exactly one interval (it counts nothing), then one more
// is allowed. The key expires when the subject is back to a full burst.
func TestGCRA(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.MessagesPerUser = chatcore.Rate{N: 4, Per: 2 * time.Second} // one back every 500 ms
	store, ctx := limitedStore(t, cfg, nil), context.Background()
	from := netip.MustParseAddr("192.0.2.1")
	start := time.Now() // the waits are measured from the first request, less what has passed
	for i := range 4 {
		if err := store.AllowMessage(ctx, from, "u1"); err != nil {
			t.Fatalf("request %d of the burst: %v", i+1, err)
		}
	}
	var r *chatcore.RateLimited
	for range 3 { // refusals count nothing: each waits until 500 ms after the first request
		err := store.AllowMessage(ctx, from, "u1")
		if least := 500*time.Millisecond - time.Since(start) - 5*time.Millisecond; !errors.As(err, &r) || r.RetryAfter < least || r.RetryAfter > 500*time.Millisecond {
			t.Fatalf("5th request after %s: %v, want a refusal until 500ms after the first", time.Since(start), err)
		}
	}
	if s := chatcore.RetryAfter(r); s != 1 {
		t.Fatalf("RetryAfter = %d s, want 1", s)
	}
	if err := store.AllowMessage(ctx, from, "u2"); err != nil {
		t.Fatalf("another subject: %v", err)
	}
	ttl := chattest.Client(t, cfg).PTTL(ctx, chatcore.NewKeys(cfg.KeyPrefix).Limit("msg-user", "u1")).Val()
	if least := 2*time.Second - time.Since(start) - 5*time.Millisecond; ttl < least || ttl > 2*time.Second {
		t.Fatalf("the key expires in %s, want when the burst is whole again (2s)", ttl)
	}
	time.Sleep(r.RetryAfter) // what is tested is the time the refusal named
	if err := store.AllowMessage(ctx, from, "u1"); err != nil {
		t.Fatalf("after retryAfter: %v", err)
	}
	if err := store.AllowMessage(ctx, from, "u1"); err == nil {
		t.Fatal("two requests allowed after one interval")
	}
}

// syncBuffer is a log sink for several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLimitWarns: a check that Redis cannot answer lets the request
// through with one warning for a run of them, not one per request.
func TestLimitWarns(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.MessagesPerUser = chatcore.Rate{N: 1, Per: time.Hour}
	var out syncBuffer
	store, ctx := limitedStore(t, cfg, slog.New(slog.NewTextHandler(&out, nil))), context.Background()
	rdb := chattest.Client(t, cfg)
	rdb.HSet(ctx, chatcore.NewKeys(cfg.KeyPrefix).Limit("msg-user", "u1"), "not", "a counter")
	for range 5 {
		if err := store.AllowMessage(ctx, netip.MustParseAddr("192.0.2.1"), "u1"); err != nil {
			t.Fatalf("a check Redis could not answer refused: %v", err)
		}
	}
	if log := out.String(); strings.Count(log, "level=WARN") != 1 || !strings.Contains(log, "limit=msg-user") {
		t.Fatalf("log %q, want one warning naming the limit", log)
	}
}

// TestExemptAddresses: a client in LIMIT_EXEMPT_NETWORKS, or a caller with
// no address, is never refused.
func TestExemptAddresses(t *testing.T) {
	cfg := chattest.Config(t) // exempts loopback
	cfg.MessagesPerUser = chatcore.Rate{N: 1, Per: time.Hour}
	store, ctx := limitedStore(t, cfg, nil), context.Background()
	for _, from := range []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1"), {}} {
		for range 3 {
			if err := store.AllowMessage(ctx, from, "u1"); err != nil {
				t.Fatalf("from %v: %v", from, err)
			}
		}
	}
}
