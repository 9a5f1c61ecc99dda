package faulttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redischat/chat/internal/app"
)

// Regression tests of issue 7's defects found under faults: defect 3 here,
// 4 in defects_loading_test.go, 5 in defects_presence_test.go, 6 in
// defects_stall_health_test.go; the bare protocol client they share
// (probeConn) is in probe_test.go.

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
