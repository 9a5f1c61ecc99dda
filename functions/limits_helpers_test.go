package functions_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
)

// exemptNet is the exempt network of the limit tests.
const exemptNet = "198.51.100.0/24"

// limitConfig is a configuration for a test of the shared limits: the
// client address is the last X-Forwarded-For entry (Cloud Run's rule),
// loopback is not exempt but exemptNet is, and every limit is off until
// the test sets the one it tests.
func limitConfig(t *testing.T) chatcore.Config {
	cfg := chattest.Config(t)
	cfg.TrustedProxyHops, cfg.LimitExemptNetworks = 1, exemptNet
	cfg.SignInPerAddress, cfg.SignInPerUsername, cfg.SignUpsPerAddress = chatcore.Rate{}, chatcore.Rate{}, chatcore.Rate{}
	cfg.MessagesPerUser, cfg.CallsPerKey, cfg.CallsPerAddress = chatcore.Rate{}, chatcore.Rate{}, chatcore.Rate{}
	cfg.FailedPasswords = 0
	cfg.BcryptConcurrency = 1000 // the gate has a test of its own (flood_test.go)
	return cfg
}

// forwarded is the header of a request from addr through Cloud Run's front
// end, after an entry the client forged.
func forwarded(addr string) http.Header {
	return http.Header{"X-Forwarded-For": {"203.0.113.66, " + addr}}
}

// dialAs opens a websocket to url as the client at addr.
func dialAs(t *testing.T, url, addr string) *chattest.WS {
	t.Helper()
	c, err := chattest.DialErr(t, url, forwarded(addr))
	if err != nil {
		t.Fatalf("dial as %s: %v", addr, err)
	}
	return c
}

// answer is what an HTTP function call or a websocket request came to.
type answer struct {
	status     int                   // the HTTP status, or the error code (200 for a success)
	err        chattest.ErrorPayload // the error, when status is not 200
	retryAfter string                // the Retry-After header
	http       bool                  // over HTTP, not a websocket
	env        map[string]json.RawMessage
}

// call calls the function typ at url as the client at addr, with the
// access key key when it is not empty.
func call(t *testing.T, url, addr, typ, body, key string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/"+typ, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = forwarded(addr)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), http: true}
	if err := json.Unmarshal(raw, &a.env); err != nil {
		t.Fatalf("POST /%s answered %d with %q, not a JSON envelope", typ, resp.StatusCode, raw)
	}
	if a.status != http.StatusOK {
		a.err = field[chattest.ErrorPayload](t, a.env, "error")
	}
	return a
}

// request sends typ with payload on c and returns the answer: 200 with the
// envelope of the reply of type want, or the error.
func request(t *testing.T, c *chattest.WS, typ string, payload any, want string) answer {
	t.Helper()
	c.Send(typ, payload)
	for {
		switch f := c.Next(); f.Type {
		case want:
			var env map[string]json.RawMessage
			_ = json.Unmarshal(f.Raw, &env)
			return answer{status: http.StatusOK, env: env}
		case "error":
			var e chattest.ErrorPayload
			f.Payload(t, &e)
			return answer{status: e.Code, err: e}
		}
	}
}

// signInWS signs in on c with name and password (as chattest.SignUp names
// its passwords), returning the answer; a success's sys signIn is left as
// noise.
func signInWS(t *testing.T, c *chattest.WS, name, password string) answer {
	t.Helper()
	return request(t, c, "signIn", map[string]any{"username": name, "password": password}, "authorized")
}

// signInHTTP is signInWS over POST /signIn.
func signInHTTP(t *testing.T, url, addr, name, password string) answer {
	t.Helper()
	return call(t, url, addr, "signIn", `{"username":"`+name+`","password":"`+password+`"}`, "")
}

// wantOK fails unless a succeeded.
func wantOK(t *testing.T, what string, a answer) {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("%s: %d %+v, want a success", what, a.status, a.err)
	}
}

// wantRefused fails unless a is a 429 whose text has words and says when
// to retry, in the text and as retryAfter, and over HTTP as Retry-After.
func wantRefused(t *testing.T, what string, a answer, words string) {
	t.Helper()
	e := a.err
	if a.status != http.StatusTooManyRequests || e.Code != 429 || !strings.Contains(e.Error, words) ||
		!strings.Contains(e.Error, "try again in") || e.RetryAfter < 1 {
		t.Fatalf("%s: %d %+v, want 429 %q with when to retry", what, a.status, e, words)
	}
	if a.http && a.retryAfter != strconv.Itoa(e.RetryAfter) {
		t.Fatalf("%s: Retry-After %q, retryAfter %d", what, a.retryAfter, e.RetryAfter)
	}
}

// accessKeyOf returns the access key of an authorized answer.
func accessKeyOf(t *testing.T, a answer) string {
	t.Helper()
	return field[chattest.Auth](t, a.env, "authorized").AccessKey
}
