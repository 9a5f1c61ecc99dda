package lifecycletest

import (
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestShutdownWithRedisStuck: SIGTERM while Redis hangs (DEBUG SLEEP 30)
// and requests wait on it. Cloud Run kills the process 10 s after SIGTERM;
// it must be gone before, by itself: its sockets closed with 1012 at once,
// the handlers' contexts cancelled and the rest cut after
// SHUTDOWN_TIMEOUT, whatever Redis does.
func TestShutdownWithRedisStuck(t *testing.T) {
	const (
		shutdownTimeout = 3 * time.Second
		// The cut, the connections' cleanup and the process's exit after
		// SHUTDOWN_TIMEOUT; with the default 8 s this still ends before
		// Cloud Run's 10.
		grace = 1500 * time.Millisecond
	)
	r := StartRedis(t, 0)
	env := append(BaseEnv(r.URL, "stuck:"), "SHUTDOWN_TIMEOUT="+shutdownTimeout.String(), "METRICS_ENABLED=true")
	srv := StartProcess(t, "server", env...)
	srv.WaitHealthy(t, 30*time.Second)

	// Before the stall: a is in General, b signed in.
	a, b := NewPeer("a"), NewPeer("b")
	for _, p := range []*Peer{a, b} {
		if err := p.Connect(srv.URL); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		if err := p.SignUp(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Join(); err != nil {
		t.Fatal(err)
	}
	c, d := NewPeer("c"), NewPeer("d") // connected, not signed in
	for _, p := range []*Peer{c, d} {
		if err := p.Connect(srv.URL); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
	}
	framesIn, err := srv.Metric("chat_messages_in_total")
	if err != nil {
		t.Fatal(err)
	}

	r.Stall(t, 30*time.Second)
	// One request on each websocket, each of which waits on Redis, and two
	// HTTP functions.
	requests := []struct {
		p       *Peer
		typ     string
		payload any
	}{
		{a, "channelMessage", map[string]any{"recipientUUID": "", "message": "stuck", "clientID": "stuck-1"}},
		{b, "channelJoin", map[string]any{"recipientUUID": ""}},
		{c, "signUp", map[string]string{"username": "c", "password": "pw-c"}},
		{d, "signIn", map[string]string{"accessKey": b.AccessKey}},
	}
	for _, req := range requests {
		if err := req.p.current().send(req.typ, req.payload); err != nil {
			t.Fatal(err)
		}
	}
	httpDone := make(chan string, 2)
	for _, fn := range []string{"users", "channelMessage"} {
		go func() {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/"+fn, strings.NewReader(`{"recipientUUID":"","message":"over http"}`))
			req.Header.Set("Authorization", "Bearer "+a.AccessKey)
			resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
			if err != nil {
				httpDone <- fmt.Sprintf("POST /%s: %v", fn, err)
				return
			}
			resp.Body.Close()
			httpDone <- fmt.Sprintf("POST /%s: %d", fn, resp.StatusCode)
		}()
	}
	// The server has read every frame: each handler is waiting on Redis.
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := srv.Metric("chat_messages_in_total")
		if err != nil {
			t.Fatal(err)
		}
		if n >= framesIn+int64(len(requests)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server read %d of the %d requests within 5s", n-framesIn, len(requests))
		}
		time.Sleep(10 * time.Millisecond) // polling a counter: no event to wait for
	}

	start := time.Now()
	srv.Signal(t, syscall.SIGTERM)
	for _, p := range []*Peer{a, b, c, d} {
		select {
		case <-p.Closed():
		case <-time.After(shutdownTimeout + time.Second):
			t.Errorf("%s: socket still open %s after SIGTERM", p.Name, shutdownTimeout+time.Second)
			continue
		}
		code, at := p.CloseCode()
		t.Logf("%s: socket closed with %d after %s", p.Name, code, at.Sub(start).Round(time.Millisecond))
		if code != websocket.CloseServiceRestart {
			t.Errorf("%s: close code %d, want 1012", p.Name, code)
		}
		if took := at.Sub(start); took > time.Second {
			t.Errorf("%s: socket closed %s after SIGTERM, want within 1s", p.Name, took)
		}
	}
	took := srv.WaitExit(t, start, 10*time.Second)
	t.Logf("SIGTERM with Redis stuck and %d requests waiting on it: exited after %s (SHUTDOWN_TIMEOUT %s), status %v",
		len(requests)+2, took.Round(time.Millisecond), shutdownTimeout, srv.Err())
	if took > shutdownTimeout+grace {
		t.Errorf("exited %s after SIGTERM, want within SHUTDOWN_TIMEOUT + %s = %s", took, grace, shutdownTimeout+grace)
	}
	for range 2 {
		t.Log(<-httpDone) // the process is gone: every request has its answer or its error
	}
}
