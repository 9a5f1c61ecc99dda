package functions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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

func TestMetricsOffByDefault(t *testing.T) {
	a := chattest.Start(t, chattest.Config(t))
	status, _, body := obsGet(t, http.MethodGet, a.URL()+"/metrics")
	if status == http.StatusOK || strings.Contains(body, "# TYPE") {
		t.Fatalf("GET /metrics without METRICS_ENABLED = %d %q, want no metrics", status, body)
	}
}

// TestMetrics checks the exposition of a real server with a few clients:
// every family is there, the gauges count what the test made, the
// counters of trouble stay at zero, and the histograms grow with traffic.
func TestMetrics(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.MetricsEnabled = true
	a := chattest.Start(t, cfg)
	url := a.URL() + "/metrics"

	alice := chattest.Dial(t, a.URL())
	aliceKey := alice.SignUp("alice").AccessKey
	bob := chattest.Dial(t, a.URL())
	bob.SignUp("bob")
	carol := chattest.Dial(t, a.URL())
	carol.SignUp("carol")
	chattest.Dial(t, a.URL()) // connected, never signed in
	members := []*chattest.WS{alice, bob, carol}
	for _, c := range members {
		c.Send("channelJoin", map[string]any{"recipientUUID": ""})
		c.Expect("channelJoin", "sys")
	}
	send := func(text string) {
		t.Helper()
		alice.Send("channelMessage", map[string]any{"recipientUUID": "", "message": text})
		for _, c := range members {
			c.Expect("channelMessage", "sys")
		}
	}
	const sent = 3
	for i := range sent {
		send(fmt.Sprint("counted ", i))
	}

	// The histograms are observed once a frame is written or a handler
	// has returned, which may be after the client read the frame: wait
	// for the figures rather than read them once.
	fams := scrapeUntil(t, url, func(f families) bool {
		return f.histCount("chat_request_duration_seconds", "type", "channelMessage") >= sent &&
			f.histCount("chat_delivery_latency_seconds", "", "") >= 2*sent
	})
	for _, name := range []string{
		"chat_delivery_latency_seconds", "chat_request_duration_seconds", "chat_redis_command_duration_seconds",
		"chat_hub_queued_jobs", "chat_send_queue_frames",
		"chat_caught_up_messages_total", "chat_recovery_resets_total", "chat_stream_resets_total", "chat_echo_fallbacks_total",
		"go_goroutines", "go_memstats_heap_alloc_bytes", "go_gc_duration_seconds",
		"process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
	} {
		if fams[name] == nil {
			t.Errorf("no %s in the exposition", name)
		}
	}
	for name, want := range map[string]float64{
		"chat_connections": 4, "chat_users_signed_in": 3, "chat_channels_joined": 1,
	} {
		if got := fams.value(name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	// Received: 3 signUp, 3 channelJoin, 3 channelMessage. Sent: at least
	// the replies to those and each message to each member.
	for name, atLeast := range map[string]float64{
		"chat_pubsub_topics": 1, "chat_messages_in_total": 3 + 3 + sent, "chat_messages_out_total": 3*2 + 3 + 3*sent,
	} {
		if got := fams.value(name); got < atLeast {
			t.Errorf("%s = %v, want at least %v", name, got, atLeast)
		}
	}
	for _, name := range []string{"chat_queue_drops_total", "chat_slow_consumer_disconnects_total", "chat_redis_errors_total", "chat_pubsub_reconnects_total"} {
		if got := fams.value(name); got != 0 {
			t.Errorf("%s = %v, want 0 on a healthy instance", name, got)
		}
	}

	// One series per message type, there before the type is first used;
	// each request observed once.
	for typ, want := range map[string]uint64{"signUp": 3, "channelJoin": 3, "channelMessage": sent, "typing": 0, "users": 0} {
		if got := fams.histCount("chat_request_duration_seconds", "type", typ); got != want {
			t.Errorf("chat_request_duration_seconds{type=%q} count = %d, want %d", typ, got, want)
		}
	}
	// Signing up and sending call Redis, commands and pipelines both.
	redisCalls := fams.series("chat_redis_command_duration_seconds")
	if len(redisCalls) < 2 || fams.histCount("chat_redis_command_duration_seconds", "command", "pipeline") == 0 {
		t.Errorf("chat_redis_command_duration_seconds has %d series, want several, \"pipeline\" among them", len(redisCalls))
	}
	if d := fams["chat_delivery_latency_seconds"]; d != nil {
		h := d.GetMetric()[0].GetHistogram()
		if h.GetSampleSum() < 0 || h.GetSampleSum() > float64(h.GetSampleCount())*5 {
			t.Errorf("delivery latency sum %v s over %d deliveries", h.GetSampleSum(), h.GetSampleCount())
		}
	}

	// One more message on the websocket and one HTTP function call: the
	// histograms grow.
	deliveries := fams.histCount("chat_delivery_latency_seconds", "", "")
	send("one more")
	req, _ := http.NewRequest(http.MethodPost, a.URL()+"/users", nil)
	req.Header.Set("Authorization", "Bearer "+aliceKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /users = %d", resp.StatusCode)
	}
	scrapeUntil(t, url, func(f families) bool {
		return f.histCount("chat_request_duration_seconds", "type", "channelMessage") == sent+1 &&
			f.histCount("chat_request_duration_seconds", "type", "users") == 1 &&
			f.histCount("chat_delivery_latency_seconds", "", "") >= deliveries+2
	})

	if status, _, body := obsGet(t, http.MethodHead, url); status != http.StatusOK || body != "" {
		t.Errorf("HEAD /metrics = %d %q", status, body)
	}
	if status, _, _ := obsGet(t, http.MethodPost, url); status != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics = %d, want 405", status)
	}
}

// Two servers in one process have a registry each: neither panics on
// registering the other's names, and each counts its own connections.
func TestMetricsPerServer(t *testing.T) {
	var urls []string
	for range 2 {
		cfg := chattest.Config(t)
		cfg.MetricsEnabled = true
		urls = append(urls, chattest.Start(t, cfg).URL())
	}
	chattest.Dial(t, urls[0])
	for i, want := range []float64{1, 0} {
		if got := scrape(t, urls[i]+"/metrics").value("chat_connections"); got != want {
			t.Errorf("server %d: chat_connections = %v, want %v", i, got, want)
		}
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
