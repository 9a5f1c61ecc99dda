package functions_test

import (
	"context"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
)

// TestSignUpLimitPerAddress: LIMIT_SIGNUPS_PER_ADDRESS counts the accounts
// one client address creates on every instance, by signUp or by a signIn
// that creates; the next creation gets 429 and creates nothing, while a
// sign-in of an existing account and another address go on.
func TestSignUpLimitPerAddress(t *testing.T) {
	cfg := limitConfig(t)
	cfg.SignUpsPerAddress = chatcore.Rate{N: 2, Per: time.Hour}
	one, two := chattest.Start(t, cfg), chattest.Start(t, cfg)
	const addr = "192.0.2.1"
	dialAs(t, one.URL(), addr).SignUp("u1")
	wantOK(t, "a signIn that creates, over HTTP", signInHTTP(t, two.URL(), addr, "u2", "pw"))
	const words = "too many new accounts from your address"
	ws := dialAs(t, two.URL(), addr)
	wantRefused(t, "3rd signUp, over a websocket", request(t, ws, "signUp", map[string]string{"username": "u3", "password": "pw"}, "authorized"), words)
	wantRefused(t, "3rd creation by signIn, over HTTP", signInHTTP(t, one.URL(), addr, "u4", "pw"), words)
	wantRefused(t, "3rd signUp, over HTTP", call(t, one.URL(), addr, "signUp", `{"username":"u5","password":"pw"}`, ""), words)
	if n := userCount(t, cfg); n != 2 {
		t.Fatalf("%d users stored, want the 2 allowed", n)
	}
	wantOK(t, "a sign-in of an existing account", signInWS(t, ws, "u1", "pw-u1"))
	wantOK(t, "another address", call(t, two.URL(), "192.0.2.2", "signUp", `{"username":"u6","password":"pw"}`, ""))
	wantOK(t, "an exempt address", call(t, one.URL(), "198.51.100.1", "signUp", `{"username":"u7","password":"pw"}`, ""))
}

// TestMessageLimitPerUser: LIMIT_MESSAGES_PER_USER is one budget for all
// of a user's connections, on every instance, and HTTP: the next message
// gets 429 naming the request and its clientID, and is not stored; other
// users go on.
func TestMessageLimitPerUser(t *testing.T) {
	cfg := limitConfig(t)
	cfg.MessagesPerUser = chatcore.Rate{N: 3, Per: time.Hour}
	one, two := chattest.Start(t, cfg), chattest.Start(t, cfg)
	dave1 := dialAs(t, one.URL(), "192.0.2.1")
	key := dave1.SignUp("dave").AccessKey
	dave2 := dialAs(t, two.URL(), "192.0.2.2")
	dave2.SignInKey(key)
	join(t, dave1, "")
	join(t, dave2, "")
	send(t, dave1, "", "m1")
	if m := msgOf(t, dave2.Expect("channelMessage", noise...)); m.Message != "m1" {
		t.Fatalf("dave's other socket got %q, want m1", m.Message)
	}
	send(t, dave2, "", "m2")
	wantOK(t, "a message over HTTP", call(t, one.URL(), "192.0.2.3", "channelMessage", `{"recipientUUID":"","message":"m3"}`, key))
	if m := msgOf(t, dave2.Expect("channelMessage", noise...)); m.Message != "m3" {
		t.Fatalf("dave's socket got %q, want m3", m.Message)
	}

	const words = "too many messages"
	a := request(t, dave2, "channelMessage", map[string]any{"recipientUUID": "", "message": "m4", "clientID": "c-4"}, "channelMessage")
	wantRefused(t, "4th message, over a websocket", a, words)
	if a.err.Request != "channelMessage" || a.err.ClientID != "c-4" {
		t.Fatalf("refusal %+v does not name the request and its clientID", a.err)
	}
	wantRefused(t, "4th message, over HTTP", call(t, two.URL(), "192.0.2.4", "channelMessage", `{"recipientUUID":"","message":"m5"}`, key), words)

	erin := dialAs(t, two.URL(), "192.0.2.1")
	erin.SignUp("erin")
	join(t, erin, "")
	send(t, erin, "", "from erin")
	if r := join(t, erin, ""); len(r.Messages) != 4 {
		t.Fatalf("history %v, want the 3 of dave and erin's", texts(r.Messages))
	}
}

// TestCallLimitPerKey: LIMIT_CALLS_PER_KEY counts the HTTP calls made with
// one access key, from any address, on every instance; the next gets 429
// with Retry-After. Another key of the same user goes on.
func TestCallLimitPerKey(t *testing.T) {
	cfg := limitConfig(t)
	cfg.CallsPerKey = chatcore.Rate{N: 3, Per: time.Hour}
	one, two := chattest.Start(t, cfg), chattest.Start(t, cfg)
	key := accessKeyOf(t, signInHTTP(t, one.URL(), "192.0.2.1", "frank", "pw")) // no key: not counted
	for i, url := range []string{one.URL(), two.URL(), one.URL()} {
		wantOK(t, "a call with the key", call(t, url, "192.0.2."+string(rune('1'+i)), "users", "", key))
	}
	const words = "too many calls with this access key"
	wantRefused(t, "4th call", call(t, two.URL(), "192.0.2.9", "users", "", key), words)
	wantRefused(t, "4th call, another function", call(t, one.URL(), "192.0.2.9", "channelMessage", `{"recipientUUID":"","message":"hi"}`, key), words)
	other := accessKeyOf(t, signInHTTP(t, two.URL(), "192.0.2.1", "frank", "pw"))
	wantOK(t, "a call with another key", call(t, two.URL(), "192.0.2.1", "users", "", other))
	ws := dialAs(t, one.URL(), "192.0.2.1") // websockets have their own rate
	ws.SignInKey(key)
	wantOK(t, "a websocket request", request(t, ws, "users", nil, "users"))
}

// TestCallLimitPerAddress: LIMIT_CALLS_PER_ADDRESS counts every HTTP call
// of one client address (an IPv6 /64 as one) on every instance, public
// functions included; other addresses, exempt ones and websockets go on.
func TestCallLimitPerAddress(t *testing.T) {
	cfg := limitConfig(t)
	cfg.CallsPerAddress = chatcore.Rate{N: 3, Per: time.Hour}
	one, two := chattest.Start(t, cfg), chattest.Start(t, cfg)
	const words = "too many calls from your address"
	for _, addrs := range [][]string{
		{"192.0.2.1", "192.0.2.1", "192.0.2.1", "192.0.2.1", "192.0.2.2"},
		{"2001:db8:1::1", "2001:db8:1::2", "2001:db8:1::3:4", "2001:db8:1::ffff", "2001:db8:2::1"},
	} {
		key := accessKeyOf(t, signInHTTP(t, one.URL(), addrs[0], "gina", "pw"))
		wantOK(t, "2nd call", call(t, two.URL(), addrs[1], "users", "", key))
		wantOK(t, "3rd call", call(t, one.URL(), addrs[2], "users", "", key))
		wantRefused(t, "4th call, "+addrs[3], signInHTTP(t, two.URL(), addrs[3], "gina", "pw"), words)
		wantOK(t, "another address, "+addrs[4], call(t, one.URL(), addrs[4], "users", "", key))
	}
	key := accessKeyOf(t, signInHTTP(t, one.URL(), "198.51.100.1", "gina", "pw"))
	for range 5 {
		wantOK(t, "an exempt address", call(t, two.URL(), "198.51.100.1", "users", "", key))
	}
	ws := dialAs(t, two.URL(), "192.0.2.1")
	ws.SignInKey(key)
	wantOK(t, "a websocket request", request(t, ws, "users", nil, "users"))
}

// TestSocketThatKeepsGoingAfter429IsClosed: a websocket whose requests are
// refused by a limit again and again is closed with 1008 at its 10th
// refusal within a minute (functions/address.go), after that refusal's
// error frame.
func TestSocketThatKeepsGoingAfter429IsClosed(t *testing.T) {
	const refusalsToClose = 10
	cfg := limitConfig(t)
	unlimited(&cfg) // only the shared limit refuses
	cfg.MessagesPerUser = chatcore.Rate{N: 1, Per: time.Hour}
	a := chattest.Start(t, cfg)
	c := dialAs(t, a.URL(), "192.0.2.1")
	c.SignUp("hank")
	join(t, c, "")
	send(t, c, "", "the one allowed")
	for i := range refusalsToClose {
		c.Send("channelMessage", map[string]any{"recipientUUID": "", "message": "more"})
		if e := c.ExpectError(429, noise...); i == 0 && e.RetryAfter < 1 {
			t.Fatalf("refusal %+v without retryAfter", e)
		}
	}
	if code := c.WaitClosed(); code != websocket.ClosePolicyViolation {
		t.Fatalf("closed with %d, want %d", code, websocket.ClosePolicyViolation)
	}
}

// TestLimitFailsOpen: a limit check that Redis cannot answer lets the
// request through (it is logged as a warning, chatcore's TestLimitWarns):
// a broken limit key neither locks the user out nor stops their messages.
func TestLimitFailsOpen(t *testing.T) {
	cfg := limitConfig(t)
	cfg.MessagesPerUser, cfg.SignInPerUsername = chatcore.Rate{N: 1, Per: time.Hour}, chatcore.Rate{N: 1, Per: time.Hour}
	a := chattest.Start(t, cfg)
	rdb, keys, ctx := chattest.Client(t, cfg), chatcore.NewKeys(cfg.KeyPrefix), context.Background()
	c := dialAs(t, a.URL(), "192.0.2.1")
	id := c.SignUp("ivy").UserUUID
	for _, k := range []string{keys.Limit("msg-user", id), keys.Limit("signin-name", "ivy")} {
		if err := rdb.HSet(ctx, k, "not", "a counter").Err(); err != nil { // the script's GET fails: WRONGTYPE
			t.Fatal(err)
		}
	}
	join(t, c, "")
	for i := range 3 {
		send(t, c, "", "through "+string(rune('1'+i)))
		wantOK(t, "a sign-in", signInHTTP(t, a.URL(), "192.0.2.2", "ivy", "pw-ivy"))
	}
}
