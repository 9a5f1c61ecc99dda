package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/redis/go-redis/v9"

	"github.com/redischat/chat/internal/chattest"
	"github.com/redischat/chat/internal/deploytest"
)

// container is the server binary running as Cloud Run runs the image: the
// ENTRYPOINT with PORT, K_SERVICE and the service's variables, nothing else.
type container struct {
	cmd    *exec.Cmd
	url    string
	exited chan struct{} // closed when the process has exited
	err    error         // its exit status, once exited

	mu    sync.Mutex
	lines []string // stderr, one log line each
	added chan struct{}
}

// logLines returns the lines logged so far.
func (c *container) logLines() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.lines...)
}

// waitLog waits for a log line (decoded JSON) that match accepts.
func (c *container) waitLog(t *testing.T, what string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.After(10 * time.Second)
	seen := 0
	for {
		c.mu.Lock()
		lines, added := c.lines[seen:], c.added
		c.mu.Unlock()
		for _, l := range lines {
			seen++
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && match(m) {
				return m
			}
		}
		select {
		case <-added:
		case <-c.exited:
			t.Fatalf("the server exited (%v) before logging %s; its log:\n%s", c.err, what, strings.Join(c.logLines(), "\n"))
		case <-deadline:
			t.Fatalf("no log line %s within 10s; the log:\n%s", what, strings.Join(c.logLines(), "\n"))
		}
	}
}

// startContainer starts bin with env and waits for /health to answer 200.
func startContainer(t *testing.T, bin string, env []string, port int) *container {
	t.Helper()
	c := &container{cmd: exec.Command(bin), url: "http://127.0.0.1:" + strconv.Itoa(port),
		exited: make(chan struct{}), added: make(chan struct{})}
	c.cmd.Env = env
	c.cmd.Dir = t.TempDir()
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.cmd.Stdout = io.Discard
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
		for sc.Scan() {
			c.mu.Lock()
			c.lines = append(c.lines, sc.Text())
			close(c.added)
			c.added = make(chan struct{})
			c.mu.Unlock()
		}
	}()
	go func() {
		<-scanned // Wait closes the pipe: read it all first
		c.err = c.cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-c.exited:
		default:
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
	})

	// Cloud Run's startup probe: poll /health until it answers 200.
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get(c.url + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c
			}
		}
		select {
		case <-c.exited:
			t.Fatalf("the server exited before /health answered: %v\n%s", c.err, strings.Join(c.logLines(), "\n"))
		case <-time.After(50 * time.Millisecond): // the probe's period
		}
		if time.Now().After(deadline) {
			t.Fatalf("/health did not answer 200 within 30s (last error %v)\n%s", err, strings.Join(c.logLines(), "\n"))
		}
	}
}

// redisEnv is the tests' Redis as service.yaml configures Redis: address,
// password and database in separate variables.
func redisEnv(t *testing.T) []string {
	t.Helper()
	opt, err := redis.ParseURL(chattest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"REDIS_ADDRESS=" + opt.Addr, "REDIS_DB=" + strconv.Itoa(opt.DB)}
	if opt.Password != "" {
		env = append(env, "REDIS_PASSWORD="+opt.Password)
	}
	if opt.Username != "" {
		env = append(env, "REDIS_USERNAME="+opt.Username)
	}
	if opt.TLSConfig != nil {
		env = append(env, "REDIS_TLS=true")
	}
	return env
}

// TestContainer builds the server as the Dockerfile does and runs it as
// Cloud Run runs the image; then: /health, the JSON log format, a websocket
// round trip, HTTP functions with trace-linked logs, /metrics, the README's
// scripting examples (run from the README's own text), and SIGTERM closing
// sockets with 1012 and exiting within Cloud Run's 10 seconds.
func TestContainer(t *testing.T) {
	start := time.Now()
	bin := deploytest.BuildServer(t)
	t.Logf("built %s in %s", bin, time.Since(start).Round(time.Millisecond))

	cfg := chattest.Config(t) // a key prefix of this test's own, cleaned up
	port := chattest.FreePort(t)
	env := append(redisEnv(t),
		"PORT="+strconv.Itoa(port),
		"K_SERVICE=chat",
		"GOOGLE_CLOUD_PROJECT=test-project",
		"KEY_PREFIX="+cfg.KeyPrefix,
		"BCRYPT_COST=4",
		"LOG_LEVEL=debug",
		"METRICS_ENABLED=true",
		"SIGNIN_TIMEOUT=10m", // the idle socket below outlives the default 10 s
	)
	var names []string
	for _, e := range env {
		name, _, _ := strings.Cut(e, "=")
		names = append(names, name)
	}
	deploytest.CheckEnvNames(t, "the container test", names)
	// Cloud Run also sets these; the server ignores them.
	env = append(env, "K_REVISION=chat-00001-abc", "K_CONFIGURATION=chat")

	start = time.Now()
	c := startContainer(t, bin, env, port)
	t.Logf("/health answered 200 after %s", time.Since(start).Round(time.Millisecond))

	// Cloud Logging's format: every line JSON, with severity and message.
	c.waitLog(t, "chat server listening", func(m map[string]any) bool { return m["message"] == "chat server listening" })
	checkJSONLog(t, c.logLines())

	// A websocket round trip.
	alice := chattest.Dial(t, c.url)
	auth := alice.SignUp("alice")
	alice.Send("channelJoin", map[string]any{"recipientUUID": ""})
	alice.Expect("channelJoin", "sys")
	alice.Send("channelMessage", map[string]any{"recipientUUID": "", "message": "hello over a websocket"})
	if m := expectMessage(t, alice); m.Message != "hello over a websocket" || m.Sender.Username != "alice" {
		t.Fatalf("round trip: got %+v", m)
	}
	idle := chattest.Dial(t, c.url) // a socket that never signs in

	t.Run("HTTP function logs carry the trace", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, c.url+"/users", nil)
		req.Header.Set("Authorization", "Bearer "+auth.AccessKey)
		req.Header.Set("X-Cloud-Trace-Context", "0123456789abcdef0123456789abcdef/123;o=1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST /users = %d", resp.StatusCode)
		}
		line := c.waitLog(t, "for the /users call", func(m map[string]any) bool { return m["function"] == "users" })
		want := map[string]any{
			"severity":                             "DEBUG",
			"logging.googleapis.com/trace":         "projects/test-project/traces/0123456789abcdef0123456789abcdef",
			"logging.googleapis.com/spanId":        "000000000000007b",
			"logging.googleapis.com/trace_sampled": true,
		}
		for k, v := range want {
			if line[k] != v {
				t.Errorf("log line %v: %s = %v, want %v", line, k, line[k], v)
			}
		}
	})

	t.Run("metrics", func(t *testing.T) {
		resp, err := http.Get(c.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
			t.Fatalf("GET /metrics = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for name, atLeast := range map[string]int64{"chat_connections": 2, "chat_users_signed_in": 1, "chat_messages_in_total": 3, "chat_messages_out_total": 3} {
			if v := metricValue(t, string(body), name); v < atLeast {
				t.Errorf("%s = %d, want at least %d", name, v, atLeast)
			}
		}
	})

	for _, flow := range []string{"local", "cloud"} {
		t.Run("README "+flow+" examples", func(t *testing.T) {
			res := deploytest.RunFlow(t, c.url, flow)
			checkFlowOutput(t, res.Stdout)
			// The posts reached the websocket client joined to General.
			for _, text := range []string{"Hello from curl", "Hello through IAM"} {
				if m := expectMessage(t, alice); m.Message != text || m.Sender.Username != "bot" {
					t.Errorf("alice got %+v, want %q from bot", m, text)
				}
			}
			if flow == "cloud" {
				deploytest.CheckGcloud(t, deploytest.Root(t), res.Gcloud)
			}
		})
	}

	// SIGTERM, as Cloud Run sends it: sockets closed with 1012 (service
	// restart), then the process exits, within 10 seconds.
	start = time.Now()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for name, ws := range map[string]*chattest.WS{"alice": alice, "idle": idle} {
		if code := ws.WaitClosed(); code != websocket.CloseServiceRestart {
			t.Errorf("%s's socket closed with %d, want 1012", name, code)
		}
	}
	select {
	case <-c.exited:
	case <-time.After(10*time.Second - time.Since(start)):
		t.Fatalf("the server did not exit within 10s of SIGTERM\n%s", strings.Join(c.logLines(), "\n"))
	}
	t.Logf("exited %s after SIGTERM", time.Since(start).Round(time.Millisecond))
	if c.err != nil {
		t.Errorf("exit status %v, want 0\n%s", c.err, strings.Join(c.logLines(), "\n"))
	}
	checkJSONLog(t, c.logLines())
	c.waitLog(t, "shutting down", func(m map[string]any) bool { return m["message"] == "shutting down" && m["connections"] != nil })
	c.waitLog(t, "stopped", func(m map[string]any) bool {
		return m["message"] == "stopped" && m["connections closed"] != nil && m["took"] != nil
	})
}

// checkJSONLog wants every line to be a JSON object with the keys Cloud
// Logging reads.
func checkJSONLog(t *testing.T, lines []string) {
	t.Helper()
	severities := map[string]bool{"DEBUG": true, "INFO": true, "WARNING": true, "ERROR": true}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Errorf("log line is not JSON: %s", l)
			continue
		}
		sev, _ := m["severity"].(string)
		msg, _ := m["message"].(string)
		if !severities[sev] || msg == "" {
			t.Errorf("log line without Cloud Logging's severity and message: %s", l)
		}
		for _, k := range []string{"level", "msg"} {
			if _, ok := m[k]; ok {
				t.Errorf("log line has slog's %q key instead of Cloud Logging's: %s", k, l)
			}
		}
	}
}

type message struct {
	Message string
	Sender  struct{ Username string }
}

func expectMessage(t *testing.T, ws *chattest.WS) message {
	t.Helper()
	var m message
	ws.Expect("channelMessage", "sys", "notify", "typing").Payload(t, &m)
	return m
}

// checkFlowOutput wants the README's curl calls to have printed the
// envelopes of a stored message and of the user list, and no error.
func checkFlowOutput(t *testing.T, stdout string) {
	t.Helper()
	seen := map[string]int{}
	for _, l := range strings.Split(stdout, "\n") {
		if !strings.HasPrefix(l, "{") {
			continue
		}
		var env struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal([]byte(l), &env); err != nil {
			t.Errorf("not JSON: %s", l)
		}
		seen[env.Type]++
	}
	if seen["channelMessage"] != 2 || seen["users"] != 2 || seen["error"] != 0 {
		t.Errorf("the README's calls printed %v, want 2 channelMessage and 2 users envelopes:\n%s", seen, stdout)
	}
	if !strings.Contains(stdout, "# TYPE chat_connections gauge") {
		t.Errorf("the README's metrics call printed no metrics:\n%s", stdout)
	}
}

// metricValue reads one sample of the Prometheus text format.
func metricValue(t *testing.T, text, name string) int64 {
	t.Helper()
	for _, l := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("%s: %v", l, err)
			}
			return n
		}
	}
	t.Fatalf("no %s in\n%s", name, text)
	return 0
}
