package functions_test

import (
	"context"
	"testing"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
)

// userCount is the number of users stored under cfg's prefix, read from
// Redis itself (a users reply may be a cached first page).
func userCount(t *testing.T, cfg chatcore.Config) int64 {
	t.Helper()
	n, err := chatcore.NewStore(chattest.Client(t, cfg), cfg).UserCount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// signInOver sends signIn with payload over the websocket c or, when c is
// nil, as POST /signIn, and returns the answer's code (200 for a sign-in)
// and error text.
func signInOver(t *testing.T, c *chattest.WS, url string, payload string) (int, string) {
	t.Helper()
	if c == nil {
		status, env := post(t, url+"/signIn", payload)
		if status == 200 {
			return 200, ""
		}
		return status, field[chattest.ErrorPayload](t, env, "error").Error
	}
	c.SendRaw([]byte(`{"type":"signIn","signIn":` + payload + `}`))
	for {
		switch f := c.Next(); f.Type {
		case "authorized": // its sys signIn follows, skipped as noise later
			return 200, ""
		case "error":
			var e chattest.ErrorPayload
			f.Payload(t, &e)
			return e.Code, e.Error
		}
	}
}

// TestSignInWithoutCreatingUsers: with SIGNIN_CREATES_USERS=false, signIn
// with an unknown name answers 401 with the text of a wrong password and
// creates nothing, over a websocket and over HTTP; signUp still creates,
// and a known name signs in.
func TestSignInWithoutCreatingUsers(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.SignInCreatesUsers = false
	a := chattest.Start(t, cfg)
	watcher := chattest.Dial(t, a.URL())
	watcher.SignUp("watcher")

	for _, over := range []string{"websocket", "HTTP"} {
		var c *chattest.WS
		if over == "websocket" {
			c = chattest.Dial(t, a.URL())
		}
		wrongCode, wrongText := signInOver(t, c, a.URL(), `{"username":"watcher","password":"not-it"}`)
		for _, payload := range []string{
			`{"username":"stranger","password":"pw-stranger"}`,
			`{"username":"stranger","password":"pw-stranger","create":true}`, // the setting wins
		} {
			code, text := signInOver(t, c, a.URL(), payload)
			if code != 401 || wrongCode != 401 || text != wrongText {
				t.Errorf("%s: signIn %s = %d %q, wrong password = %d %q: want both 401 with one text", over, payload, code, text, wrongCode, wrongText)
			}
		}
		if code, _ := signInOver(t, c, a.URL(), `{"username":"watcher","password":"pw-watcher"}`); code != 200 {
			t.Errorf("%s: a known name with its password = %d", over, code)
		}
	}
	if n := userCount(t, cfg); n != 1 {
		t.Fatalf("%d users, want 1: signIn created someone", n)
	}
	c := chattest.Dial(t, a.URL())
	c.SignUp("newcomer")
	if n := userCount(t, cfg); n != 2 {
		t.Fatalf("%d users after signUp, want 2", n)
	}
}

// TestSignInCreateFalse: by default signIn creates an unknown name (the
// original demo's rule) unless the request says "create": false, which
// answers 401 as a wrong password does and creates nothing.
func TestSignInCreateFalse(t *testing.T) {
	cfg := chattest.Config(t)
	a := chattest.Start(t, cfg)
	watcher := chattest.Dial(t, a.URL())
	watcher.SignUp("watcher")
	for _, over := range []string{"websocket", "HTTP"} {
		var c *chattest.WS
		if over == "websocket" {
			c = chattest.Dial(t, a.URL())
		}
		if code, text := signInOver(t, c, a.URL(), `{"username":"typo-`+over+`","password":"pw","create":false}`); code != 401 || text != "wrong username or password" {
			t.Errorf("%s: create false = %d %q, want 401 wrong username or password", over, code, text)
		}
		if code, text := signInOver(t, c, a.URL(), `{"username":"typo-`+over+`","password":"pw","create":"no"}`); code != 400 || text != `field "create" must be a boolean` {
			t.Errorf("%s: create as a string = %d %q, want 400", over, code, text)
		}
	}
	if n := userCount(t, cfg); n != 1 {
		t.Fatalf("%d users, want 1: create false created someone", n)
	}
	for _, payload := range []string{`{"username":"made","password":"pw"}`, `{"username":"made-too","password":"pw","create":true}`} {
		if code, text := signInOver(t, nil, a.URL(), payload); code != 200 {
			t.Fatalf("signIn %s = %d %q, want the user created", payload, code, text)
		}
	}
	if code, _ := signInOver(t, nil, a.URL(), `{"username":"MADE","password":"pw","create":false}`); code != 200 {
		t.Fatalf("create false with a known name and its password = %d, want 200", code)
	}
	if n := userCount(t, cfg); n != 3 {
		t.Fatalf("%d users, want 3", n)
	}
}

// TestMinPasswordLength: a new account, by signUp or by a signIn that
// creates, needs MIN_PASSWORD_LENGTH characters (400 otherwise, creating
// nothing), over a websocket and over HTTP; an account made before with a
// shorter password still signs in.
func TestMinPasswordLength(t *testing.T) {
	cfg := chattest.Config(t)
	old := chattest.Start(t, cfg) // MIN_PASSWORD_LENGTH=1
	if code, _ := signInOver(t, nil, old.URL(), `{"username":"veteran","password":"pw"}`); code != 200 {
		t.Fatalf("creating veteran with a short password under the default = %d", code)
	}
	strict := cfg
	strict.MinPasswordLength = 8
	a := chattest.Start(t, strict)
	const want = "password must be at least 8 characters"

	c := chattest.Dial(t, a.URL())
	for _, typ := range []string{"signUp", "signIn"} {
		// "Jürgen!" is 8 bytes but 7 characters: characters count.
		c.SendRaw([]byte(`{"type":"` + typ + `","` + typ + `":{"username":"rookie","password":"J\u00fcrgen!"}}`))
		if e := c.ExpectError(400, noise...); e.Error != want || e.Request != typ {
			t.Errorf("websocket %s with 7 characters: %+v, want 400 %q", typ, e, want)
		}
		status, env := post(t, a.URL()+"/"+typ, `{"username":"rookie","password":"short"}`)
		if e := field[chattest.ErrorPayload](t, env, "error"); status != 400 || e.Error != want {
			t.Errorf("HTTP %s with 5 characters: %d %+v, want 400 %q", typ, status, e, want)
		}
	}
	if code, text := signInOver(t, c, a.URL(), `{"username":"veteran","password":"pw"}`); code != 200 {
		t.Fatalf("an old account with a short password = %d %q, want signed in", code, text)
	}
	if n := userCount(t, cfg); n != 1 {
		t.Fatalf("%d users, want only veteran: a short password created one", n)
	}
	c.Send("signUp", map[string]string{"username": "rookie", "password": "long-enough"})
	c.Expect("authorized", noise...)
	if code, _ := signInOver(t, nil, a.URL(), `{"username":"rookie2","password":"12345678"}`); code != 200 {
		t.Fatalf("signIn creating with 8 characters = %d", code)
	}
}
