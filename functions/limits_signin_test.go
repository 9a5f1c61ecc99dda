package functions_test

import (
	"context"
	"testing"
	"time"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
)

// TestSignInLimitPerAddress: LIMIT_SIGNIN_PER_ADDRESS counts the password
// sign-ins and sign-ups of one client address on every instance, over
// websockets and HTTP alike; the next gets 429 with when to retry. Another
// address, an exempt one, and a resume with an access key are not counted.
func TestSignInLimitPerAddress(t *testing.T) {
	cfg := limitConfig(t)
	cfg.SignInPerAddress = chatcore.Rate{N: 3, Per: time.Hour}
	one, two := chattest.Start(t, cfg), chattest.Start(t, cfg)
	const addr = "192.0.2.1"
	ws1, ws2 := dialAs(t, one.URL(), addr), dialAs(t, two.URL(), addr)
	key := ws1.SignUp("alice").AccessKey
	wantOK(t, "a sign-in over HTTP", signInHTTP(t, two.URL(), addr, "alice", "pw-alice"))
	if a := signInWS(t, ws2, "alice", "wrong"); a.status != 401 {
		t.Fatalf("a wrong password: %d %+v, want 401", a.status, a.err)
	}
	refused := signInHTTP(t, one.URL(), addr, "alice", "pw-alice")
	wantRefused(t, "the 4th sign-in, over HTTP", refused, "too many sign-ins from your address")
	if r := refused.err.RetryAfter; r < 1100 || r > 1200 { // one comes back every 20 minutes
		t.Fatalf("retryAfter %d s, want about 1200", r)
	}
	wantRefused(t, "the 4th sign-in, over a websocket", signInWS(t, ws2, "alice", "pw-alice"), "too many sign-ins from your address")

	wantOK(t, "a resume with the access key", request(t, ws2, "signIn", map[string]string{"accessKey": key}, "authorized"))
	wantOK(t, "another address", signInHTTP(t, one.URL(), "192.0.2.2", "alice", "pw-alice"))
	for range 5 {
		wantOK(t, "an exempt address", signInHTTP(t, two.URL(), "198.51.100.7", "alice", "pw-alice"))
	}
}

// TestSignInLimitPerUsername: LIMIT_SIGNIN_PER_USERNAME counts the
// sign-ins of one username (in any case) from every address on every
// instance; unknown names are counted alike, so the limit tells nothing of
// which names exist.
func TestSignInLimitPerUsername(t *testing.T) {
	cfg := limitConfig(t)
	cfg.SignInPerUsername = chatcore.Rate{N: 2, Per: time.Hour}
	cfg.SignInCreatesUsers = false
	one, two := chattest.Start(t, cfg), chattest.Start(t, cfg)
	dialAs(t, one.URL(), "192.0.2.1").SignUp("bob") // a sign-up is no sign-in of the name
	wantOK(t, "1st sign-in", signInHTTP(t, two.URL(), "192.0.2.2", "bob", "pw-bob"))
	wantOK(t, "2nd sign-in", signInWS(t, dialAs(t, two.URL(), "192.0.2.3"), "BOB", "pw-bob"))
	const words = "too many sign-ins for this username"
	wantRefused(t, "3rd sign-in, over HTTP", signInHTTP(t, one.URL(), "192.0.2.4", "Bob", "pw-bob"), words)
	wantRefused(t, "3rd sign-in, over a websocket", signInWS(t, dialAs(t, one.URL(), "192.0.2.5"), "bob", "pw-bob"), words)
	dialAs(t, two.URL(), "192.0.2.4").SignUp("carol")
	wantOK(t, "another username", signInHTTP(t, one.URL(), "192.0.2.4", "carol", "pw-carol"))

	for i, url := range []string{one.URL(), two.URL()} {
		if a := signInHTTP(t, url, "192.0.2.6", "ghost", "pw"); a.status != 401 {
			t.Fatalf("unknown name, attempt %d: %d %+v, want 401", i+1, a.status, a.err)
		}
	}
	wantRefused(t, "3rd sign-in of an unknown name", signInWS(t, dialAs(t, one.URL(), "192.0.2.7"), "ghost", "pw"), words)
}

// TestFailedPasswordsLockTheUsername: LIMIT_FAILED_PASSWORDS wrong
// passwords for a username, on any instance, lock its password sign-in
// for LIMIT_PASSWORD_LOCK (429, even with the right password, checked
// before any hashing), doubled at each further wrong password up to
// LIMIT_PASSWORD_MAX_LOCK; an access key still signs in, and a good
// password forgets the failures. An unknown name is locked alike.
func TestFailedPasswordsLockTheUsername(t *testing.T) {
	cfg := limitConfig(t)
	cfg.FailedPasswords, cfg.PasswordLock, cfg.PasswordMaxLock = 2, time.Second, 2*time.Second
	one, two := chattest.Start(t, cfg), chattest.Start(t, cfg)
	rdb, keys, ctx := chattest.Client(t, cfg), chatcore.NewKeys(cfg.KeyPrefix), context.Background()
	lockLeft := func(name string) time.Duration {
		d, err := rdb.PTTL(ctx, keys.PasswordLock(name)).Result()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	awaitUnlocked := func() { // the lock is a TTL: poll Redis until it has gone
		for deadline := time.Now().Add(chattest.Wait); lockLeft("carol") > 0; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the lock never ended")
			}
		}
	}
	wrong := func(what string, a answer) {
		t.Helper()
		if a.status != 401 {
			t.Fatalf("%s: %d %+v, want 401", what, a.status, a.err)
		}
	}
	ws1 := dialAs(t, one.URL(), "192.0.2.1")
	key := ws1.SignUp("carol").AccessKey
	wrong("1st wrong password, over a websocket", signInWS(t, ws1, "carol", "guess1"))
	wrong("2nd wrong password, over HTTP", signInHTTP(t, two.URL(), "192.0.2.2", "carol", "guess2"))
	if d := lockLeft("carol"); d <= 0 || d > cfg.PasswordLock {
		t.Fatalf("lock after 2 failures: %s, want up to %s", d, cfg.PasswordLock)
	}
	const words = "too many wrong passwords for this username"
	wantRefused(t, "the right password while locked, over HTTP", signInHTTP(t, one.URL(), "192.0.2.3", "carol", "pw-carol"), words)
	ws2 := dialAs(t, two.URL(), "192.0.2.4")
	wantRefused(t, "the right password while locked, over a websocket", signInWS(t, ws2, "carol", "pw-carol"), words)
	wantOK(t, "the access key while locked", request(t, ws2, "signIn", map[string]string{"accessKey": key}, "authorized"))

	awaitUnlocked()
	wrong("3rd wrong password", signInHTTP(t, one.URL(), "192.0.2.3", "carol", "guess3"))
	if d := lockLeft("carol"); d <= cfg.PasswordLock || d > 2*cfg.PasswordLock {
		t.Fatalf("lock after 3 failures: %s, want it doubled", d)
	}
	awaitUnlocked()
	wrong("4th wrong password", signInWS(t, ws1, "carol", "guess4"))
	if d := lockLeft("carol"); d <= cfg.PasswordLock || d > cfg.PasswordMaxLock {
		t.Fatalf("lock after 4 failures: %s, want at most LIMIT_PASSWORD_MAX_LOCK", d)
	}
	awaitUnlocked()
	if n := rdb.Exists(ctx, keys.PasswordFailures("carol")).Val(); n != 1 {
		t.Fatal("the failures were forgotten before a good password")
	}
	wantOK(t, "the right password after the lock", signInWS(t, ws1, "carol", "pw-carol"))
	if n := rdb.Exists(ctx, keys.PasswordFailures("carol")).Val(); n != 0 {
		t.Fatal("a good password did not forget the failures")
	}
	wrong("a wrong password after a good one", signInHTTP(t, two.URL(), "192.0.2.2", "carol", "guess5"))
	if d := lockLeft("carol"); d > 0 {
		t.Fatalf("one wrong password after a good one locked the name for %s", d)
	}

	for i, url := range []string{one.URL(), two.URL()} {
		a := call(t, url, "192.0.2.5", "signIn", `{"username":"ghost","password":"pw","create":false}`, "")
		wrong("unknown name, attempt "+string(rune('1'+i)), a)
	}
	wantRefused(t, "an unknown name after 2 failures", signInHTTP(t, one.URL(), "192.0.2.6", "ghost", "pw"), words)
}
