package functions_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
)

// TestSignInFloodKeepsChatDelivering: a flood of sign-ins of unknown names
// at a real bcrypt cost, 32 at once and each sent again as soon as it is
// answered, beside a chat. BCRYPT_CONCURRENCY (half the CPUs by default)
// lets that many be checked and answers the excess 429 at once, so the
// chat keeps delivering. The delivery times of
// the chat without and with the flood are logged, not asserted: this
// machine is shared.
func TestSignInFloodKeepsChatDelivering(t *testing.T) {
	if testing.Short() {
		t.Skip("a flood of real bcrypt work")
	}
	cfg := limitConfig(t)
	cfg.LimitExemptNetworks, cfg.TrustedProxyHops = "", 0 // loopback is a client like any other
	cfg.BcryptCost, cfg.BcryptConcurrency = 10, 0
	unlimited(&cfg)
	a := chattest.Start(t, cfg)
	alice, bob := chattest.Dial(t, a.URL()), chattest.Dial(t, a.URL())
	alice.SignUp("alice")
	bob.SignUp("bob")
	join(t, alice, "")
	join(t, bob, "")

	const messages = 200
	quiet := deliveries(t, alice, bob, "quiet", messages)
	flood := startFlood(t, a.URL(), 32)
	loud := deliveries(t, alice, bob, "flood", messages)
	got := flood.stop()

	t.Logf("delivery without the flood: %s", quiet)
	t.Logf("delivery during the flood:  %s", loud)
	t.Logf("flood: %d sign-ins checked (401), %d refused at once (429), %d others, over %s",
		got.checked, got.refused, got.other, got.took.Round(time.Millisecond))
	if got.other > 0 {
		t.Fatalf("%d flood answers were neither 401 nor a 429 with retryAfter: %s", got.other, got.sample)
	}
	if got.refused == 0 || got.checked == 0 {
		t.Fatalf("flood: %d checked, %d refused; want the excess refused and some checked", got.checked, got.refused)
	}
}

// latencies summarises delivery times.
type latencies []time.Duration

func (l latencies) String() string {
	s := slices.Clone(l)
	slices.Sort(s)
	q := func(p float64) time.Duration {
		return s[min(len(s)-1, int(p*float64(len(s))))].Round(10 * time.Microsecond)
	}
	return fmt.Sprintf("%d messages, p50 %s, p99 %s, max %s", len(s), q(0.5), q(0.99), s[len(s)-1].Round(10*time.Microsecond))
}

// deliveries sends n messages from one connection, one every 10 ms, and
// returns how long each took to reach the other.
func deliveries(t *testing.T, from, to *chattest.WS, what string, n int) latencies {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	out := make(latencies, 0, n)
	for i := range n {
		<-tick.C
		text := fmt.Sprintf("%s %d", what, i)
		start := time.Now()
		from.Send("channelMessage", map[string]any{"recipientUUID": "", "message": text})
		if m := msgOf(t, to.Expect("channelMessage", noise...)); m.Message != text {
			t.Fatalf("got %q, want %q", m.Message, text)
		}
		out = append(out, time.Since(start))
	}
	return out
}

// flood is sign-ins of unknown names, each of workers sending the next as
// soon as the last was answered.
type flood struct {
	stopped                 chan struct{}
	checkedOne              chan struct{} // closed at the first sign-in checked
	once                    sync.Once
	wg                      sync.WaitGroup
	start                   time.Time
	checked, refused, other atomic.Int64
	sample                  atomic.Value // an unexpected answer
}

type floodResult struct {
	checked, refused, other int64
	took                    time.Duration
	sample                  any
}

func startFlood(t *testing.T, url string, workers int) *flood {
	f := &flood{stopped: make(chan struct{}), checkedOne: make(chan struct{}), start: time.Now()}
	// No short timeout: under the race detector one hash at cost 10 takes
	// seconds, and the flood keeps both CPUs busy.
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}, Timeout: 2 * time.Minute}
	t.Cleanup(client.CloseIdleConnections)
	for w := range workers {
		f.wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-f.stopped:
					return
				default:
				}
				body := fmt.Sprintf(`{"username":"flood-%d-%d","password":"guess","create":false}`, w, i)
				f.note(client.Post(url+"/signIn", "application/json", strings.NewReader(body)))
			}
		})
	}
	return f
}

// note counts one answer.
func (f *flood) note(resp *http.Response, err error) {
	if err != nil {
		f.other.Add(1)
		f.sample.Store(err.Error())
		return
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env struct{ Error chattest.ErrorPayload }
	_ = json.Unmarshal(raw, &env)
	switch {
	case resp.StatusCode == http.StatusUnauthorized && env.Error.Code == 401:
		f.checked.Add(1)
		f.once.Do(func() { close(f.checkedOne) })
	case resp.StatusCode == http.StatusTooManyRequests && env.Error.Code == chatcore.CodeRateLimited &&
		env.Error.RetryAfter == 1 && resp.Header.Get("Retry-After") == "1":
		f.refused.Add(1)
	default:
		f.other.Add(1)
		f.sample.Store(fmt.Sprintf("%d %s", resp.StatusCode, raw))
	}
}

// stop ends the flood once a sign-in was checked (the race detector makes
// a hash at cost 10 take seconds) and returns what it came to.
func (f *flood) stop() floodResult {
	select {
	case <-f.checkedOne:
	case <-time.After(time.Minute):
	}
	close(f.stopped)
	f.wg.Wait()
	return floodResult{f.checked.Load(), f.refused.Load(), f.other.Load(), time.Since(f.start), f.sample.Load()}
}
