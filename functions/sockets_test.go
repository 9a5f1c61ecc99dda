package functions_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/redischat/chat/internal/chattest"
)

// TestSignInTimeout: a websocket that does not sign in within
// SIGNIN_TIMEOUT, or stays signed out that long, is closed with 1008; one
// that signed in stays.
func TestSignInTimeout(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.SignInTimeout = 300 * time.Millisecond
	a := chattest.Start(t, cfg)
	// The idle socket's timer starts when the server accepts it: time it
	// from before the dial, not after alice's sign-up, which takes longer
	// than the 50 ms of slack on a Redis Cluster or a busy machine.
	opened := time.Now()
	idle := chattest.Dial(t, a.URL())
	active := chattest.Dial(t, a.URL())
	active.SignUp("alice")
	if code := idle.WaitClosed(); code != websocket.ClosePolicyViolation {
		t.Fatalf("idle socket closed with %d, want %d", code, websocket.ClosePolicyViolation)
	}
	if waited := time.Since(opened); waited < cfg.SignInTimeout-50*time.Millisecond {
		t.Fatalf("closed after %s, before SIGNIN_TIMEOUT (%s)", waited, cfg.SignInTimeout)
	}
	active.Send("users", nil) // signed in: still open
	active.Expect("users", noise...)
	active.Send("signOut", nil)
	active.Expect("signOut", noise...)
	if code := active.WaitClosed(); code != websocket.ClosePolicyViolation {
		t.Fatalf("signed-out socket closed with %d, want %d", code, websocket.ClosePolicyViolation)
	}
}

// dialFrom opens a websocket as if from addr through Cloud Run's front end
// (TRUSTED_PROXY_HOPS 1: the last X-Forwarded-For entry) and returns the
// HTTP status of a refusal, 0 when it opened.
func dialFrom(t *testing.T, base, addr string) (*websocket.Conn, int, string) {
	t.Helper()
	h := http.Header{"X-Forwarded-For": {"203.0.113.99, " + addr}} // the first entry is the client's own to forge
	conn, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws", h)
	if err == nil {
		t.Cleanup(func() { _ = conn.Close() })
		return conn, 0, ""
	}
	if resp == nil {
		t.Fatalf("dial: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	return nil, resp.StatusCode, string(body)
}

// TestSocketsPerAddress: one client address holds at most
// MAX_SOCKETS_PER_ADDRESS websockets on an instance; the next is refused
// with 429 and the error envelope, other addresses and exempt networks are
// not affected, and a closed socket frees its slot.
func TestSocketsPerAddress(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.SocketsPerAddress = 2
	cfg.TrustedProxyHops = 1
	cfg.LimitExemptNetworks = "198.51.100.0/24"
	a := chattest.Start(t, cfg)
	first, _, _ := dialFrom(t, a.URL(), "192.0.2.1")
	dialFrom(t, a.URL(), "192.0.2.1")
	_, status, body := dialFrom(t, a.URL(), "192.0.2.1")
	var env struct {
		Type  string
		Error struct{ Code int }
	}
	if err := json.Unmarshal([]byte(body), &env); status != http.StatusTooManyRequests || err != nil || env.Error.Code != 429 {
		t.Fatalf("third socket of one address: %d %q, want 429 with the error envelope", status, body)
	}
	if _, status, _ := dialFrom(t, a.URL(), "192.0.2.2"); status != 0 {
		t.Fatalf("another address refused: %d", status)
	}
	// An IPv6 client counts as its /64: walking through it gains nothing.
	dialFrom(t, a.URL(), "2001:db8:1:2::1")
	dialFrom(t, a.URL(), "2001:db8:1:2::2")
	if _, status, _ := dialFrom(t, a.URL(), "2001:db8:1:2:ffff::3"); status != http.StatusTooManyRequests {
		t.Fatalf("a third socket of one /64: %d, want 429", status)
	}
	if _, status, _ := dialFrom(t, a.URL(), "2001:db8:1:3::1"); status != 0 {
		t.Fatalf("another /64 refused: %d", status)
	}
	for range 4 {
		if _, status, _ := dialFrom(t, a.URL(), "198.51.100.7"); status != 0 {
			t.Fatalf("exempt network refused: %d", status)
		}
	}
	_ = first.Close()
	deadline := time.Now().Add(chattest.Wait)
	for { // the server frees the slot once it has seen the socket end
		if _, status, _ := dialFrom(t, a.URL(), "192.0.2.1"); status == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the slot of a closed socket was never freed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
