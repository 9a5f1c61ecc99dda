package faulttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/app"
)

// Regression tests of defects 3, 4 and 6 of issue 7 (found under faults);
// defect 5 and the bare protocol client these tests share (probeConn) are
// in defects_presence_test.go.

// answerBound is how long a request may take while Redis stalls: the
// server's request deadline (5 s), and some.
const answerBound = 5750 * time.Millisecond

// TestStallStoresOnce (defect 3): Redis stalls (DEBUG SLEEP 7) while
// clients on two instances send in General without a clientID. go-redis
// stops reading after REDIS_TIMEOUT (3 s) and sends the script again on
// another connection; when Redis wakes it runs both. Each message must be
// stored once all the same, and every send answered (echo or error frame)
// by the request deadline.
func TestStallStoresOnce(t *testing.T) {
	const stall, senders = 7 * time.Second, 12
	rd := StartRedis(t, RedisOptions{})
	cfg := serverConfig(t, rd.URL())
	// No presence renewal during the test: the scripts Redis runs while
	// the clients send are the sends, which INFO commandstats counts.
	cfg.PresenceRefresh, cfg.PresenceTTL = time.Hour, 2*time.Hour
	servers := startServers(t, cfg, cfg)
	ss := make([]*stallSender, senders)
	for i := range ss {
		p := dialProbe(t, servers[i%2].URL())
		if _, err := p.signUp(fmt.Sprint("stall", i)); err != nil {
			t.Fatal(err)
		}
		if _, err := p.request("channelJoin", map[string]any{"recipientUUID": ""}, "channelJoin"); err != nil {
			t.Fatal(err)
		}
		ss[i] = &stallSender{p: p, name: fmt.Sprint("s", i)}
	}
	scriptsBefore := scriptCalls(t, rd)
	prog := &progress{changed: make(chan struct{})}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, s := range ss {
		wg.Add(1)
		go func() { defer wg.Done(); s.run(prog, stop) }()
	}
	halt := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer halt()
	if !prog.wait(100, 20*time.Second) {
		t.Fatalf("before the stall: %d sends answered, want 100", prog.count())
	}
	for _, a := range servers {
		warmPool(t, a, 30)
	}
	start := time.Now()
	if err := <-rd.Sleep(stall); err != nil {
		t.Fatalf("DEBUG SLEEP: %v", err)
	}
	end := time.Now()
	if !prog.wait(prog.count()+100, 20*time.Second) {
		t.Fatalf("after the stall, sends answered stopped at %d", prog.count())
	}
	halt()
	scripts := scriptCalls(t, rd) - scriptsBefore

	stream := ReadStream(t, rd.Admin(), GeneralLog(cfg))
	seen := map[string]int{}
	var twice []string
	for _, e := range stream {
		if seen[e.UUID]++; seen[e.UUID] == 2 {
			twice = append(twice, e.UUID)
		}
	}
	var sends, during, errs, late, hangs int
	var slowest time.Duration
	for _, s := range ss {
		for _, r := range s.sends {
			sends++
			if r.answered.IsZero() {
				hangs++
				continue
			}
			slowest = max(slowest, r.answered.Sub(r.start))
			if r.code != 0 && r.code != 503 {
				t.Errorf("%s: a send got error %d, want 503 (storage unavailable)", s.name, r.code)
			}
			if !r.start.Before(start) && !r.start.After(end) {
				during++
			}
			if r.code != 0 {
				errs++
			}
			if r.code != 0 && r.stored != "" {
				late++
			}
		}
	}
	t.Logf("DEBUG SLEEP %s, %d senders: %d sends, %d of them during the stall; %d answered 503 (%d of those stored when Redis woke); slowest answer %s; "+
		"Redis ran %d send scripts (%d again after a timeout); stream of %d, %d stored twice",
		stall, senders, sends, during, errs, late, slowest.Round(time.Millisecond), scripts, scripts-int64(sends), len(stream), len(twice))
	if len(twice) > 0 {
		t.Errorf("%d messages stored more than once (same UUID, new offsets): %s", len(twice), strings.Join(twice[:min(5, len(twice))], ", "))
	}
	if hangs > 0 || slowest > answerBound {
		t.Errorf("%d sends without an answer; the slowest answered after %s: want each within %s", hangs, slowest, answerBound)
	}
	if errs == 0 || scripts <= int64(sends) {
		t.Errorf("%d sends answered 503, %d scripts run for %d sends: the stall did not make go-redis send a script twice (defect 3 not exercised)", errs, scripts, sends)
	}
}

// stallSender is a client of TestStallStoresOnce and what became of its
// sends; only its goroutine touches it until the test has stopped it.
type stallSender struct {
	p     *probeConn
	name  string
	sends []stallSend
}

type stallSend struct {
	start, answered time.Time // answered is zero when nothing came
	code            int       // 0: its echo came; else the error frame's code
	stored          string    // the UUID its echo had, when one came (even after an error)
}

// run sends in General without a clientID, one message at a time, 25 ms
// apart, until stop. A send is answered by its echo (matched by its text)
// or an error frame; the echo of one answered 503 may still come, when
// Redis runs the script after all. After 15 s without an answer (a hang,
// which the test reports) it gives up.
func (s *stallSender) run(prog *progress, stop <-chan struct{}) {
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	byText := map[string]int{}
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		text := fmt.Sprintf("%s says %d", s.name, len(s.sends))
		i := len(s.sends)
		s.sends, byText[text] = append(s.sends, stallSend{start: time.Now()}), i
		if s.p.send("channelMessage", map[string]any{"recipientUUID": "", "message": text}) != nil {
			return
		}
		for s.sends[i].answered.IsZero() {
			f, err := s.p.next(15 * time.Second)
			if err != nil {
				return
			}
			var m probeMessage
			var e errorReply
			switch {
			case f.typ == "channelMessage" && json.Unmarshal(f.payload, &m) == nil && m.SenderUUID == s.p.user:
				if j, ok := byText[m.Message]; ok {
					s.sends[j].stored = m.UUID
				}
				if m.Message != text {
					continue
				}
			case f.typ == "error" && json.Unmarshal(f.payload, &e) == nil && e.Request == "channelMessage":
				s.sends[i].code = e.Code
			default:
				continue
			}
			s.sends[i].answered = time.Now()
			prog.add()
		}
	}
}

// progress counts answers for a test goroutine to wait on.
type progress struct {
	mu      sync.Mutex
	n       int
	changed chan struct{} // closed and replaced at every answer
}

func (p *progress) add() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *progress) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// wait waits until n answers in all; false after d.
func (p *progress) wait(n int, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		p.mu.Lock()
		done, changed := p.n >= n, p.changed
		p.mu.Unlock()
		if done {
			return true
		}
		select {
		case <-changed:
		case <-timer.C:
			return false
		}
	}
}

// warmPool leaves n idle connections in a server's Redis pool, as a busy
// moment does: a send whose read timed out is then sent again at once on
// one of them (on a new connection the retry would wait for the stalled
// Redis to answer the handshake, and never be written).
func warmPool(t *testing.T, a *app.App, n int) {
	t.Helper()
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// BLPOP holds its connection without stalling Redis.
			if err := a.Redis.Do(context.Background(), "BLPOP", fmt.Sprint("warm:", i), "0.2").Err(); !errors.Is(err, redis.Nil) {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("warm the pool: %v", err)
	}
}

// scriptCalls returns how many EVAL and EVALSHA calls Redis has run.
func scriptCalls(t *testing.T, rd *Redis) int64 {
	t.Helper()
	info, err := rd.Admin().Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatalf("INFO commandstats: %v", err)
	}
	var n int64
	for _, line := range strings.Split(info, "\n") {
		name, rest, _ := strings.Cut(strings.TrimSpace(line), ":")
		if name == "cmdstat_eval" || name == "cmdstat_evalsha" {
			calls, _, _ := strings.Cut(strings.TrimPrefix(rest, "calls="), ",")
			c, _ := strconv.ParseInt(calls, 10, 64)
			n += c
		}
	}
	return n
}

// TestCatchUpRetriesWhileLoading (defect 4): instance A's pub/sub
// connection is down while clients on instance B send; it comes back while
// Redis is loading its data, so A's subscription is confirmed but its
// first catch-up reads fail (LOADING, EXECABORT). A must retry until a
// read succeeds: every client of A ends with every message, none
// reconnecting.
//
// The loading is DEBUG RELOAD (Redis saves and loads its dataset again,
// as at a restart, but keeps its connections), made to last about 3 s on
// any machine by key-load-delay over a few thousand padding keys. While
// loading, Redis answers LOADING to all but a few commands, SUBSCRIBE
// among them. A's proxy holds A's new pub/sub connection as it subscribes
// and lets it go once Redis is loading. A restart with a large AOF loads
// for as long as the machine takes, and A's reconnect backoff (up to 2 s)
// could miss it.
func TestCatchUpRetriesWhileLoading(t *testing.T) {
	rd := StartRedis(t, RedisOptions{})
	front := NewProxy(t, rd.Addr())
	cfgA := serverConfig(t, front.URL())
	cfgA.PositionCheck = time.Hour // only the catch-up of the new subscription can bring the messages
	cfgB := cfgA
	cfgB.RedisURL = rd.URL()
	servers := startServers(t, cfgA, cfgB)
	a, b := servers[0], servers[1]
	// Clients take the URLs in turn: the two senders are on B, members on both.
	f := NewFleet(t, FleetConfig{URLs: []string{b.URL(), b.URL(), a.URL(), a.URL()}, Clients: 8, Senders: 2, Interval: 20 * time.Millisecond, Reconnect: true})
	key, topic := GeneralLog(cfgA), generalTopic(cfgA)
	f.StartSending()
	mustAcked(t, f, 10, 20*time.Second, "before the gap")
	before := StreamTop(settle(t, f, rd, key))

	held := front.HoldOn("subscribe")
	front.Cut() // every connection of A; the new pub/sub connection is held as it subscribes
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("instance A did not subscribe again within 10 s")
	}
	waitSubscribers(t, rd, topic, 1, 10*time.Second)
	f.StartSending()
	mustAcked(t, f, f.Acked()+30, 20*time.Second, "during A's gap")
	f.StopSending()
	stream := ReadStream(t, rd.Admin(), key)
	top := StreamTop(stream)
	for _, c := range f.Clients() {
		if c.URL() == a.URL() && c.Last() >= top {
			t.Fatalf("%s on A has the stream's top %d during A's gap: the gap was not exercised", c.Name, top)
		}
	}

	metrics := a.Node.Metrics()
	caughtUp, failed := metrics.CaughtUp.Load(), metrics.RedisErrors.Load()
	loaded := reloadSlowly(t, rd, 2500)
	front.Resume()
	waitSubscribers(t, rd, topic, 2, 5*time.Second)
	subscribed := time.Now()
	if err := rd.Admin().Ping(context.Background()).Err(); err == nil || !strings.HasPrefix(err.Error(), "LOADING") {
		t.Fatalf("Redis had loaded (PING: %v) when A subscribed again: defect 4 not exercised", err)
	}
	select {
	case err := <-loaded:
		if err != nil {
			t.Fatalf("DEBUG RELOAD: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("DEBUG RELOAD did not end within 30 s")
	}
	done := time.Now()
	behind := f.WaitCaughtUp(top, 15*time.Second)
	t.Logf("A subscribed again %s before Redis had loaded; %d messages caught up from the store and %d Redis errors on A since",
		done.Sub(subscribed).Round(time.Millisecond), metrics.CaughtUp.Load()-caughtUp, metrics.RedisErrors.Load()-failed)
	if len(behind) > 0 {
		t.Errorf("15 s after Redis loaded, clients lack the gap's messages (top %d): %s: the catch-up gave up", top, strings.Join(behind, ", "))
	} else {
		t.Logf("A's clients had the gap's %d messages %s after Redis had loaded", top-before, time.Since(done).Round(time.Millisecond))
	}
	f.Check(t)
	f.CheckStream(t, stream)
	if st := f.Stats(); st.Reconnects > 0 {
		t.Errorf("%d client reconnects (close codes %s): a catch-up must not cost clients their connection", st.Reconnects, codes(st.CloseCodes))
	}
}

// reloadSlowly makes Redis load its dataset again (DEBUG RELOAD), slowly:
// pad keys more, each loaded 1 ms apart, other clients answered every KB.
// It returns once Redis is loading; the channel gets the command's result.
func reloadSlowly(t *testing.T, rd *Redis, pad int) <-chan error {
	t.Helper()
	ctx := context.Background()
	for _, cmd := range [][]any{
		{"CONFIG", "SET", "loading-process-events-interval-bytes", "1024"},
		{"DEBUG", "POPULATE", pad, "pad:", 10},
		{"CONFIG", "SET", "key-load-delay", "1000"},
	} {
		if err := rd.Admin().Do(ctx, cmd...).Err(); err != nil {
			t.Fatalf("%v: %v", cmd, err)
		}
	}
	done, ended := make(chan error, 1), make(chan struct{})
	c := redis.NewClient(&redis.Options{Addr: rd.Addr(), MaxRetries: -1, ReadTimeout: time.Minute, PoolSize: 1})
	go func() {
		defer close(ended)
		defer c.Close()
		done <- c.Do(ctx, "DEBUG", "RELOAD").Err()
	}()
	t.Cleanup(func() { <-ended })
	err := Poll(10*time.Second, func() error {
		if err := rd.Admin().Ping(ctx).Err(); err == nil || !strings.HasPrefix(err.Error(), "LOADING") {
			return fmt.Errorf("not loading (PING: %v)", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return done
}

// TestHealthAndSignInDuringStall (defect 6): Redis calls honour their
// deadlines. While Redis stalls, GET /health answers 503 within its 1 s
// bound and signIn {accessKey} on a new socket gets 503 by the request
// deadline (5 s), where both used to wait for Redis to wake (and /health
// then said 200); while only the pub/sub connection is down, signIn does
// not wait for Redis to confirm the user's subscription (it used to, 3 s).
func TestHealthAndSignInDuringStall(t *testing.T) {
	// Longer than the request deadline, so that a signIn sent as the stall
	// begins can only be answered by its deadline.
	const stall = 8 * time.Second
	const healthBound, pubsubBound = 1500 * time.Millisecond, time.Second
	rd := StartRedis(t, RedisOptions{})
	front := NewProxy(t, rd.Addr())
	cfg := serverConfig(t, front.URL())
	a := startServers(t, cfg)[0]
	keys := make([]string, 4)
	for i := range keys {
		keys[i] = httpSignUp(t, a.URL(), fmt.Sprint("u", i)).AccessKey
	}
	if code := healthStatus(a.URL()); code != 200 {
		t.Fatalf("/health %d before the stall", code)
	}

	slept := rd.Sleep(stall)
	until := waitStalled(t, rd).Add(stall - 2*time.Second)
	p := dialProbe(t, a.URL())
	health := make(chan []HealthSample, 1)
	go func() { health <- healthUntil(a.URL(), until) }()
	sent := time.Now()
	_, err := p.signInKey(keys[0])
	took := time.Since(sent)
	samples := <-health
	if err := <-slept; err != nil {
		t.Fatalf("DEBUG SLEEP: %v", err)
	}
	var slowest time.Duration
	for _, s := range samples {
		d := s.Done.Sub(s.Start)
		slowest = max(slowest, d)
		if s.Status != 503 || d > healthBound {
			t.Errorf("GET /health during the stall: %d after %s, want 503 within %s", s.Status, d.Round(time.Millisecond), healthBound)
		}
	}
	t.Logf("DEBUG SLEEP %s: %d GET /health answered, slowest in %s; signIn {accessKey} answered in %s (%v)",
		stall, len(samples), slowest.Round(time.Millisecond), took.Round(time.Millisecond), err)
	if len(samples) == 0 {
		t.Error("no GET /health during the stall")
	}
	if !IsCode(err, 503) || took > answerBound {
		t.Errorf("signIn {accessKey} during the stall: %v after %s, want error 503 within %s", err, took.Round(time.Millisecond), answerBound)
	}

	// Only the pub/sub connection down: killed, and held as it subscribes again.
	waitSubscribers(t, rd, chatcore.NewKeys(cfg.KeyPrefix).BroadcastTopic(), 1, 10*time.Second)
	held := front.HoldOn("subscribe")
	killPubSub(t, rd)
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("the instance did not subscribe again within 10 s")
	}
	var worst time.Duration
	for _, key := range keys[1:] {
		p := dialProbe(t, a.URL())
		sent := time.Now()
		_, err := p.signInKey(key)
		took := time.Since(sent)
		worst = max(worst, took)
		if err != nil || took > pubsubBound {
			t.Errorf("signIn {accessKey} with the pub/sub connection down: %v after %s, want authorized within %s", err, took.Round(time.Millisecond), pubsubBound)
		}
	}
	front.Resume()
	t.Logf("pub/sub connection down: %d signIn {accessKey} answered, slowest in %s", len(keys)-1, worst.Round(time.Millisecond))
}

// waitStalled waits until Redis stops answering (DEBUG SLEEP has begun)
// and returns when it saw it.
func waitStalled(t *testing.T, rd *Redis) time.Time {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: rd.Addr(), MaxRetries: -1, ReadTimeout: 100 * time.Millisecond, PoolSize: 1})
	defer c.Close()
	err := Poll(5*time.Second, func() error {
		var ne net.Error
		if err := c.Ping(context.Background()).Err(); !errors.As(err, &ne) || !ne.Timeout() {
			return fmt.Errorf("Redis still answers PING: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return time.Now()
}

// healthUntil asks GET /health, one request after the other, until until.
func healthUntil(baseURL string, until time.Time) []HealthSample {
	c := http.Client{Timeout: 5 * time.Second}
	var out []HealthSample
	for time.Now().Before(until) {
		s := HealthSample{Start: time.Now()}
		if resp, err := c.Get(baseURL + "/health"); err == nil {
			s.Status = resp.StatusCode
			_ = resp.Body.Close()
		}
		s.Done = time.Now()
		out = append(out, s)
	}
	return out
}
