package lifecycletest

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redischat/chat/internal/chattest"
	"github.com/redischat/chat/internal/deploytest"
)

// Process is one cmd/server process of a test.
type Process struct {
	Name string
	URL  string // http://127.0.0.1:port

	cmd      *exec.Cmd
	exited   chan struct{} // closed when the process has exited
	exitedAt time.Time     // set before exited is closed
	err      error         // its exit status, once exited
	log      chattest.Buffer
}

// BaseEnv is the environment every server process of these tests starts
// with, before a test's own variables: the given Redis and key prefix, the
// lowest bcrypt cost, no rate limit (the tests send fast), no abuse limit
// for their clients, all on loopback (they sign many users up at once),
// info logs.
func BaseEnv(redisURL, keyPrefix string) []string {
	return []string{
		"REDIS_URL=" + redisURL,
		"KEY_PREFIX=" + keyPrefix,
		"BCRYPT_COST=4",
		"RATE_LIMIT=1000000",
		"RATE_BURST=1000000",
		"LIMIT_EXEMPT_NETWORKS=127.0.0.0/8,::1/128",
		"LOG_LEVEL=info",
	}
}

// StartProcess starts the server binary on a free port with env (later
// entries win; every name must be a setting of chatcore.Config) and returns
// at once; WaitHealthy waits for it to serve. The process is killed when the
// test ends, and its log is printed if the test failed. A data race it
// reports fails the test.
func StartProcess(t testing.TB, name string, env ...string) *Process {
	t.Helper()
	names := make([]string, len(env))
	for i, e := range env {
		names[i], _, _ = strings.Cut(e, "=")
	}
	deploytest.CheckEnvNames(t, "the lifecycle test", names)
	bin := ServerBinary(t)
	port := chattest.FreePort(t)
	p := &Process{Name: name, URL: "http://127.0.0.1:" + strconv.Itoa(port), exited: make(chan struct{})}
	p.cmd = exec.Command(bin)
	p.cmd.Env = append(append(inherit(), "PORT="+strconv.Itoa(port), "GORACE=halt_on_error=0"), env...)
	p.cmd.Dir = t.TempDir()
	p.cmd.Stdout, p.cmd.Stderr = &p.log, &p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		p.exitedAt = time.Now()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		log := p.log.String()
		if strings.Contains(log, "WARNING: DATA RACE") {
			t.Errorf("%s reported a data race:\n%s", name, log)
		} else if t.Failed() {
			t.Logf("log of %s (%v):\n%s", name, p.err, tail(log, 64<<10))
		}
	})
	return p
}

// WaitHealthy polls /health (as Cloud Run's startup probe does) until it
// answers 200, and returns how long that took. It fails if the process
// exits first or within is over.
func (p *Process) WaitHealthy(t testing.TB, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if code, _ := p.Health(); code == http.StatusOK {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("%s: /health did not answer 200 within %s", p.Name, within)
		}
		select {
		case <-p.exited:
			t.Fatalf("%s exited (%v) before /health answered 200", p.Name, p.err)
		case <-time.After(20 * time.Millisecond): // the probe's period: no event to wait for
		}
	}
}

// Health calls GET /health once and returns the status code.
func (p *Process) Health() (int, error) {
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get(p.URL + "/health")
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Metric reads one sample of GET /metrics (METRICS_ENABLED=true).
func (p *Process) Metric(name string) (int64, error) {
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get(p.URL + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("%s: no metric %s (status %d)", p.Name, name, resp.StatusCode)
}

// Signal sends sig to the process.
func (p *Process) Signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %s to %s: %v", sig, p.Name, err)
	}
}

// Exited is closed when the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Err is the process's exit status once Exited is closed (nil for 0).
func (p *Process) Err() error { return p.err }

// WaitExit waits until within after since for the process to exit and
// returns how long after since it did, or fails the test.
func (p *Process) WaitExit(t testing.TB, since time.Time, within time.Duration) time.Duration {
	t.Helper()
	select {
	case <-p.exited:
		return p.exitedAt.Sub(since)
	case <-time.After(within - time.Since(since)):
		t.Fatalf("%s did not exit within %s", p.Name, within)
		return 0
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "...\n" + s[len(s)-n:]
}

// inherit returns the variables of the test's own environment that a child
// process needs to run at all (none of the chat's settings).
func inherit() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}
