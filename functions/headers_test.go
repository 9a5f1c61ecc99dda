package functions_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/redischat/chat/internal/chattest"
)

// TestSecurityHeaders: every kind of response carries the security
// headers: the page, the client's files, an HTTP function's answer and
// error, /health, /metrics, an unknown path, a wrong method.
func TestSecurityHeaders(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.MetricsEnabled = true
	a := chattest.Start(t, cfg)
	host := strings.TrimPrefix(a.URL(), "http://")
	requests := []struct{ method, path, body string }{
		{"GET", "/", ""},
		{"GET", "/js/main.js", ""},
		{"GET", "/style.css", ""},
		{"GET", "/favicon.svg", ""},
		{"POST", "/signIn", `{"username":"hdr","password":"pw"}`},
		{"POST", "/users", ""}, // 401
		{"GET", "/signIn", ""}, // 405
		{"GET", "/health", ""},
		{"GET", "/metrics", ""},
		{"GET", "/nosuch", ""},
		{"POST", "/nosuch", "{}"},
	}
	for _, rq := range requests {
		req, err := http.NewRequest(rq.method, a.URL()+rq.path, strings.NewReader(rq.body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		directives := map[string]string{}
		for _, d := range strings.Split(csp, ";") {
			name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
			directives[name] = value
		}
		want := map[string]string{
			"default-src":               "'none'",
			"script-src":                "'self'",
			"style-src":                 "'self'",
			"img-src":                   "'self'",
			"connect-src":               "'self' ws://" + host + " wss://" + host,
			"base-uri":                  "'none'",
			"form-action":               "'none'",
			"frame-ancestors":           "'none'",
			"require-trusted-types-for": "'script'",
		}
		for name, value := range want {
			if directives[name] != value {
				t.Errorf("%s %s: %s is %q, want %q (policy %q)", rq.method, rq.path, name, directives[name], value, csp)
			}
		}
		if strings.Contains(csp, "unsafe") {
			t.Errorf("%s %s: the policy allows something unsafe: %q", rq.method, rq.path, csp)
		}
		for name, value := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"} {
			if got := h.Get(name); got != value {
				t.Errorf("%s %s (%d): %s = %q, want %q", rq.method, rq.path, resp.StatusCode, name, got, value)
			}
		}
	}
}

// TestPolicyOfAnOddHost: a Host header that is not a plain host name does
// not reach the policy; the websocket is then allowed by 'self' alone.
func TestPolicyOfAnOddHost(t *testing.T) {
	a := chattest.Start(t, chattest.Config(t))
	req, err := http.NewRequest("GET", a.URL()+"/health", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "example.com;script-src*"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if strings.Contains(csp, "example.com") || !strings.Contains(csp, "connect-src 'self';") {
		t.Fatalf("policy for an odd Host: %q", csp)
	}
}
