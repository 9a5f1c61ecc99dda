package functions_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/app"
	"github.com/redischat/chat/internal/chattest"
)

// obsGet fetches url and returns status, content type and body.
func obsGet(t *testing.T, method, url string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// promSamples parses the Prometheus text format strictly enough to catch a
// malformed exposition: each family has HELP, then TYPE, then one sample of
// the same name; counters end in _total.
func promSamples(t *testing.T, text string) map[string]int64 {
	t.Helper()
	nameRe := regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	if !strings.HasSuffix(text, "\n") {
		t.Fatalf("exposition does not end with a newline: %q", text)
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines)%3 != 0 {
		t.Fatalf("want HELP, TYPE and one sample per metric, got %d lines:\n%s", len(lines), text)
	}
	out := map[string]int64{}
	for i := 0; i < len(lines); i += 3 {
		help := strings.Fields(lines[i])
		typ := strings.Fields(lines[i+1])
		sample := strings.Fields(lines[i+2])
		if len(help) < 4 || help[0] != "#" || help[1] != "HELP" || !nameRe.MatchString(help[2]) {
			t.Fatalf("bad HELP line %q", lines[i])
		}
		name := help[2]
		if len(typ) != 4 || typ[0] != "#" || typ[1] != "TYPE" || typ[2] != name || (typ[3] != "counter" && typ[3] != "gauge") {
			t.Fatalf("bad TYPE line %q for %s", lines[i+1], name)
		}
		if typ[3] == "counter" && !strings.HasSuffix(name, "_total") {
			t.Errorf("counter %s does not end in _total", name)
		}
		if len(sample) != 2 || sample[0] != name {
			t.Fatalf("bad sample line %q for %s", lines[i+2], name)
		}
		v, err := strconv.ParseInt(sample[1], 10, 64)
		if err != nil {
			t.Fatalf("sample %q: %v", lines[i+2], err)
		}
		if _, dup := out[name]; dup {
			t.Fatalf("%s twice", name)
		}
		out[name] = v
	}
	return out
}

func TestMetricsOffByDefault(t *testing.T) {
	a := chattest.Start(t, chattest.Config(t))
	status, _, body := obsGet(t, http.MethodGet, a.URL()+"/metrics")
	if status == http.StatusOK || strings.Contains(body, "# TYPE") {
		t.Fatalf("GET /metrics without METRICS_ENABLED = %d %q, want no metrics", status, body)
	}
}

func TestMetrics(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.MetricsEnabled = true
	a := chattest.Start(t, cfg)

	alice := chattest.Dial(t, a.URL())
	alice.SignUp("alice")
	bob := chattest.Dial(t, a.URL())
	bob.SignUp("bob")
	chattest.Dial(t, a.URL()) // connected, never signed in
	for _, c := range []*chattest.WS{alice, bob} {
		c.Send("channelJoin", map[string]any{"recipientUUID": ""})
		c.Expect("channelJoin", "sys")
	}
	alice.Send("channelMessage", map[string]any{"recipientUUID": "", "message": "counted"})
	alice.Expect("channelMessage", "sys")
	bob.Expect("channelMessage", "sys")

	status, ctype, body := obsGet(t, http.MethodGet, a.URL()+"/metrics")
	if status != http.StatusOK || ctype != "text/plain; version=0.0.4; charset=utf-8" {
		t.Fatalf("GET /metrics = %d %q", status, ctype)
	}
	got := promSamples(t, body)
	for name, want := range map[string]int64{
		"chat_connections": 3, "chat_users_signed_in": 2, "chat_channels_joined": 1,
	} {
		if got[name] != want {
			t.Errorf("%s = %d, want %d", name, got[name], want)
		}
	}
	// Received: 2 signUp, 2 channelJoin, 1 channelMessage. Sent: at least
	// the replies to those and the message to both members.
	for name, atLeast := range map[string]int64{
		"chat_pubsub_topics": 1, "chat_messages_in_total": 5, "chat_messages_out_total": 9,
	} {
		if got[name] < atLeast {
			t.Errorf("%s = %d, want at least %d", name, got[name], atLeast)
		}
	}
	for _, name := range []string{"chat_queue_drops_total", "chat_slow_consumer_disconnects_total", "chat_redis_errors_total", "chat_pubsub_reconnects_total"} {
		if v, ok := got[name]; !ok || v != 0 {
			t.Errorf("%s = %d (present: %v), want 0 on a healthy instance", name, v, ok)
		}
	}

	if status, _, body := obsGet(t, http.MethodHead, a.URL()+"/metrics"); status != http.StatusOK || body != "" {
		t.Errorf("HEAD /metrics = %d %q", status, body)
	}
	if status, _, _ := obsGet(t, http.MethodPost, a.URL()+"/metrics"); status != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics = %d, want 405", status)
	}
}

// lastLine returns the last JSON line logged into l whose key has value.
func lastLine(t *testing.T, l *chattest.Buffer, key, value string) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(l.String()), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		var m map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", lines[i])
		}
		if m[key] == value {
			return m
		}
	}
	t.Fatalf("no log line with %s=%s", key, value)
	return nil
}

// startLogged starts a server whose log is Cloud Run's JSON, at debug level,
// into the returned buffer.
func startLogged(t *testing.T, project string) (*app.App, *chattest.Buffer) {
	t.Helper()
	cfg := chattest.Config(t)
	cfg.KService, cfg.LogLevel, cfg.CloudProject = "chat", "debug", project
	var buf chattest.Buffer
	a, err := app.Start(context.Background(), cfg, chatcore.NewLogger(&buf, cfg), nil, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Shutdown(ctx)
	})
	return a, &buf
}

// HTTP function log lines name the request's trace the way Cloud Logging
// links them: logging.googleapis.com/trace = projects/P/traces/ID.
func TestFunctionLogsCarryTrace(t *testing.T) {
	const id = "105445aa7843bc8bf206b12000100000"
	for _, tc := range []struct {
		name, project, header, value string
		trace, span                  string // "" when absent
		sampled                      bool
	}{
		{"cloud trace context", "proj", "X-Cloud-Trace-Context", id + "/1;o=1", "projects/proj/traces/" + id, "0000000000000001", true},
		{"not sampled", "proj", "X-Cloud-Trace-Context", id + "/18446744073709551615;o=0", "projects/proj/traces/" + id, "ffffffffffffffff", false},
		{"trace ID only", "proj", "X-Cloud-Trace-Context", id, "projects/proj/traces/" + id, "", false},
		{"upper-case hex", "proj", "X-Cloud-Trace-Context", strings.ToUpper(id) + "/2", "projects/proj/traces/" + id, "0000000000000002", false},
		{"W3C traceparent", "proj", "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "projects/proj/traces/4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true},
		{"malformed", "proj", "X-Cloud-Trace-Context", "not-a-trace/abc", "", "", false},
		{"no header", "proj", "", "", "", "", false},
		{"no project", "", "X-Cloud-Trace-Context", id + "/1;o=1", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, logs := startLogged(t, tc.project)
			req, _ := http.NewRequest(http.MethodPost, a.URL()+"/users", nil) // no key: 401, logged too
			if tc.header != "" {
				req.Header.Set(tc.header, tc.value)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("POST /users without a key = %d, want 401", resp.StatusCode)
			}
			// The handler logs before it answers: the line is there.
			line := lastLine(t, logs, "function", "users")
			if line["severity"] != "DEBUG" || line["message"] != "function call" || line["status"] != float64(401) {
				t.Errorf("log line %v: want DEBUG \"function call\" with status 401", line)
			}
			check := func(key string, want any, present bool) {
				got, ok := line[key]
				if ok != present || (present && got != want) {
					t.Errorf("%s = %v (present %v), want %v (present %v)", key, got, ok, want, present)
				}
			}
			check("logging.googleapis.com/trace", tc.trace, tc.trace != "")
			check("logging.googleapis.com/spanId", tc.span, tc.span != "")
			check("logging.googleapis.com/trace_sampled", tc.sampled, tc.trace != "")
		})
	}
}
