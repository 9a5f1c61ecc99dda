package lifecycletest

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/redischat/chat/internal/chattest"
)

// TestStartWithoutRedis (issue 7, defect 7): an instance that starts
// before its Redis keeps trying instead of exiting, answers /health with
// 503 meanwhile, and serves once Redis is there (within about 2 s).
func TestStartWithoutRedis(t *testing.T) {
	const (
		late     = 3 * time.Second // Redis comes after the 1.7 s the server used to last
		recovery = 2500 * time.Millisecond
	)
	port := chattest.FreePort(t) // where Redis will listen
	redisURL := "redis://127.0.0.1:" + strconv.Itoa(port) + "/0"
	srv := StartProcess(t, "server", BaseEnv(redisURL, "late:")...)
	started := time.Now()

	// It listens, and says it cannot serve yet.
	for {
		code, err := srv.Health()
		if err == nil {
			if code != http.StatusServiceUnavailable {
				t.Fatalf("/health = %d without Redis, want 503", code)
			}
			break
		}
		select {
		case <-srv.Exited():
			t.Fatalf("the server exited %s after starting without Redis (%v)", time.Since(started).Round(time.Millisecond), srv.Err())
		case <-time.After(20 * time.Millisecond): // not listening yet: probe again
		}
		if time.Since(started) > 15*time.Second {
			t.Fatalf("/health did not answer within 15s: %v", err)
		}
	}
	listening := time.Since(started)
	// It goes on trying for as long as Redis is late.
	select {
	case <-srv.Exited():
		t.Fatalf("the server exited %s after starting without Redis (%v)", time.Since(started).Round(time.Millisecond), srv.Err())
	case <-time.After(late - time.Since(started)):
	}
	if code, err := srv.Health(); err != nil || code != http.StatusServiceUnavailable {
		t.Fatalf("/health = %d, %v after %s without Redis, want 503", code, err, late)
	}

	redisUp := time.Now()
	StartRedis(t, port)
	answers := time.Since(redisUp)
	srv.WaitHealthy(t, recovery)
	t.Logf("without Redis: listening and /health 503 after %s, still running after %s; then Redis started (answering after %s) and /health answered 200 after %s",
		listening.Round(time.Millisecond), late, answers.Round(time.Millisecond), time.Since(redisUp).Round(time.Millisecond))
	if took := time.Since(redisUp); took > recovery {
		t.Errorf("/health answered 200 %s after Redis started, want within %s", took, recovery)
	}

	// And it serves: two users chat.
	alice, bob := NewPeer("alice"), NewPeer("bob")
	for _, p := range []*Peer{alice, bob} {
		if err := p.Connect(srv.URL); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		if err := p.SignUp(); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Join(); err != nil {
			t.Fatal(err)
		}
	}
	if err := alice.Send("hello-1"); err != nil {
		t.Fatal(err)
	}
	if err := alice.WaitAcked(chattest.Wait); err != nil {
		t.Fatal(err)
	}
	if err := bob.WaitOffset(1, chattest.Wait); err != nil {
		t.Fatal(err)
	}
	v := bob.View()
	if len(v.Problems) > 0 || v.Received[1].ClientID != "hello-1" {
		t.Fatalf("bob has %+v, problems %v", v.Received, v.Problems)
	}
	if v.DataEpoch == "" {
		t.Error("ready has no dataEpoch once the server reaches Redis")
	}
	t.Logf("first message delivered %s after Redis started", time.Since(redisUp).Round(time.Millisecond))
}
