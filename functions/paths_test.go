package functions_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/redischat/chat/internal/chattest"
)

// TestUnknownPathsGetTheErrorEnvelope: a path that is neither a function,
// a file of the client nor one of the server's own answers 404 with the
// error envelope, whatever the method; a wrong method on a file gets 405
// the same way; folders are not listed. The page, its files, /ws, /health
// and /metrics still work.
func TestUnknownPathsGetTheErrorEnvelope(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.MetricsEnabled = true
	a := chattest.Start(t, cfg)
	off := chattest.Start(t, chattest.Config(t)) // METRICS_ENABLED=false

	do := func(method, url, body string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp, raw
	}
	errorCases := []struct {
		method, url string
		status      int
		request     string
	}{
		{"POST", a.URL() + "/nosuch", 404, "nosuch"},
		{"GET", a.URL() + "/nosuch", 404, "nosuch"},
		{"PUT", a.URL() + "/nosuch/deeper", 404, "nosuch"},
		{"GET", a.URL() + "/js/", 404, "js"},          // a folder: no listing
		{"GET", a.URL() + "/js/nosuch.js", 404, "js"}, // inside a folder
		{"GET", a.URL() + "/ws/", 404, "ws"},
		{"GET", off.URL() + "/metrics", 404, "metrics"},
		{"POST", a.URL() + "/", 405, ""},
		{"DELETE", a.URL() + "/js/main.js", 405, ""},
	}
	for _, tc := range errorCases {
		resp, raw := do(tc.method, tc.url, "{}")
		var env struct {
			Type  string
			Error chattest.ErrorPayload
		}
		if err := json.Unmarshal(raw, &env); err != nil || resp.StatusCode != tc.status || env.Type != "error" ||
			env.Error.Code != tc.status || env.Error.Request != tc.request || env.Error.Error == "" ||
			resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s = %d %s %q, want %d with the error envelope naming %q", tc.method, tc.url, resp.StatusCode, resp.Header.Get("Content-Type"), raw, tc.status, tc.request)
		}
		if tc.status == 405 && resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s %s: Allow = %q, want GET, HEAD", tc.method, tc.url, resp.Header.Get("Allow"))
		}
	}

	okCases := []struct{ method, path, contentType, contains string }{
		{"GET", "/", "text/html", `src="js/main.js"`},
		{"HEAD", "/", "text/html", ""},
		{"GET", "/js/main.js", "text/javascript", "import"},
		{"GET", "/js/views/auth.js", "text/javascript", "AuthView"},
		{"GET", "/style.css", "text/css", ".symbols"},
		{"GET", "/favicon.svg", "image/svg+xml", "<svg"},
		{"GET", "/health", "application/json", `"ok"`},
		{"GET", "/metrics", "text/plain", "chat_"},
	}
	for _, tc := range okCases {
		resp, raw := do(tc.method, a.URL()+tc.path, "")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.contentType) || !strings.Contains(string(raw), tc.contains) {
			t.Errorf("%s %s = %d %s, want 200 %s containing %q", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.contentType, tc.contains)
		}
	}
	ws := chattest.Dial(t, a.URL())
	ws.SignUp("paths")
	ws.Send("users", nil)
	ws.Expect("users", "sys")
}
