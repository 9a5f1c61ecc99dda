package lifecycletest

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
)

// TestSIGKILLShowsUsersOffline (issue 7, fault test 6): an instance dies
// without a word. Its users' presence marks stop being renewed and expire;
// an observer on the other instance is told each of them went offline
// within PRESENCE_TTL plus one PRESENCE_REFRESH (the sweep's period).
func TestSIGKILLShowsUsersOffline(t *testing.T) {
	const (
		users     = 5
		refresh   = 200 * time.Millisecond
		ttl       = 800 * time.Millisecond
		batch     = 100 * time.Millisecond       // PRESENCE_BATCH: the push waits that long for company
		allowance = 400*time.Millisecond + batch // scheduling on a busy machine, the sweep's own Redis calls
	)
	cfg := chattest.Config(t)
	env := append(BaseEnv(chattest.RedisURL(t), cfg.KeyPrefix),
		"PRESENCE_REFRESH="+refresh.String(), "PRESENCE_TTL="+ttl.String(), "PRESENCE_BATCH="+batch.String())
	doomed, survivor := StartProcess(t, "doomed", env...), StartProcess(t, "survivor", env...)
	doomed.WaitHealthy(t, 30*time.Second)
	survivor.WaitHealthy(t, 30*time.Second)

	observer := chattest.Dial(t, survivor.URL)
	observer.SignUp("observer")
	online := map[string]string{} // user UUID -> name, until announced offline
	for i := range users {
		name := fmt.Sprintf("doomed%d", i)
		ws := chattest.Dial(t, doomed.URL)
		online[ws.SignUp(name).UserUUID] = name
	}
	for pending := len(online); pending > 0; {
		for _, p := range nextPresence(t, observer) {
			if p.OnLine && online[p.UUID] != "" {
				pending--
			}
		}
	}
	// While the instance lives, it renews the marks: nothing changes for
	// longer than they live.
	observer.NoFrame(ttl + 2*refresh)
	// SIGKILL leaves them as they are, renewed less than a period ago.
	killedAt := time.Now()
	doomed.Signal(t, syscall.SIGKILL)
	<-doomed.Exited()

	var first, last time.Duration
	for len(online) > 0 {
		for _, p := range nextPresence(t, observer) {
			name := online[p.UUID]
			if name == "" {
				continue
			}
			if p.OnLine {
				t.Fatalf("%s announced online again after the kill", name)
			}
			took := time.Since(killedAt)
			if first == 0 {
				first = took
			}
			last = took
			delete(online, p.UUID)
		}
	}
	t.Logf("SIGKILL: %d users shown offline on the other instance after %s to %s (PRESENCE_TTL %s + PRESENCE_REFRESH %s = %s)",
		users, first.Round(time.Millisecond), last.Round(time.Millisecond), ttl, refresh, ttl+refresh)
	if last > ttl+refresh+allowance {
		t.Errorf("the last user went offline %s after the kill, want within %s (+%s)", last, ttl+refresh, allowance)
	}
}

// nextPresence returns the users of the next presence push c receives (a
// presence frame or a presenceBatch), skipping other frames.
func nextPresence(t *testing.T, c *chattest.WS) []chatcore.User {
	t.Helper()
	for {
		var s struct {
			Type          string
			Presence      *chatcore.User
			PresenceBatch []chatcore.User
		}
		c.Expect("sys", "notify", "typing").Payload(t, &s)
		switch {
		case s.Type == "presence" && s.Presence != nil:
			return []chatcore.User{*s.Presence}
		case s.Type == "presenceBatch" && len(s.PresenceBatch) > 0:
			return s.PresenceBatch
		}
	}
}
