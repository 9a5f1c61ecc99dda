package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redischat/chat/internal/chattest"
)

// runTool runs the tool's main logic against a server and returns its JSON
// result. It fails the test when the run fails.
func runTool(t *testing.T, args ...string) result {
	t.Helper()
	r, err := runToolErr(t, args...)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return r
}

// runToolErr is runTool for a run that may fail.
func runToolErr(t *testing.T, args ...string) (result, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append(args, "-json", "-", "-quiet"), &stdout, &stderr)
	t.Logf("chatload %v:\n%s", args, stderr.String())
	var r result
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("result is not JSON: %v\n%s", err, stdout.String())
	}
	return r, err
}

func startServer(t *testing.T) string { return startLimited(t, 1000) }

// startLimited starts a server that allows each socket rate requests a
// second, in bursts of rate.
func startLimited(t *testing.T, rate int) string {
	cfg := chattest.Config(t)
	cfg.RateLimit = float64(rate)
	cfg.RateBurst = rate
	cfg.LogLevel = "warn"
	return chattest.Start(t, cfg).URL()
}

// checkClean checks what every healthy run must show.
func checkClean(t *testing.T, r result, clients int) {
	t.Helper()
	if !r.OK || len(r.Problems) > 0 {
		t.Errorf("run not OK: %v", r.Problems)
	}
	if r.Setup.SetUp != int64(clients) || r.Setup.Failed != 0 {
		t.Errorf("set up %d, failed %d, want %d and 0", r.Setup.SetUp, r.Setup.Failed, clients)
	}
	if r.Setup.ConnectMs.Count == 0 || r.Setup.SignInMs.Count == 0 || r.Setup.JoinMs.Count == 0 || r.Setup.PerSecond <= 0 {
		t.Errorf("setup times not filled: %+v", r.Setup)
	}
	if r.Run.Sent == 0 || r.Run.Delivered == 0 || r.Run.DeliveriesPerSecond <= 0 {
		t.Errorf("sent %d, delivered %d (%g/s): want more than 0", r.Run.Sent, r.Run.Delivered, r.Run.DeliveriesPerSecond)
	}
	if o := r.Loss; o.Lost != 0 || o.Undelivered != 0 || o.Duplicates != 0 || o.Reordered != 0 || r.Run.Unacked != 0 {
		t.Errorf("lost %d, undelivered %d, duplicates %d, reordered %d, unacked %d: want 0", o.Lost, o.Undelivered, o.Duplicates, o.Reordered, r.Run.Unacked)
	}
	if r.Loss.Expected == 0 || r.Loss.Receivers != clients {
		t.Errorf("offsets checked for %d receivers, %d expected: want %d receivers", r.Loss.Receivers, r.Loss.Expected, clients)
	}
	l := r.Latency
	if l.Count == 0 || l.P50 <= 0 || l.P95 < l.P50 || l.P99 < l.P95 || l.Max < l.P99 || l.Mean <= 0 {
		t.Errorf("latency fields not filled in order: %+v", l)
	}
	if r.Errors.Frames != 0 || len(r.Errors.Disconnects) != 0 {
		t.Errorf("errors: %+v", r.Errors)
	}
	if len(r.Timeline) == 0 {
		t.Errorf("no timeline")
	}
}

func TestSmokeGeneral(t *testing.T) {
	url := startServer(t)
	r := runTool(t, "-url", url, "-clients", "50", "-senders", "5", "-duration", "2s")
	checkClean(t, r, 50)
	// Every message goes to all 50 members, the sender included.
	if r.Run.Delivered != r.Run.Sent*50 || r.Loss.Expected != r.Run.Sent*50 {
		t.Errorf("sent %d, delivered %d, expected %d: want 50 deliveries a message", r.Run.Sent, r.Run.Delivered, r.Loss.Expected)
	}
	if r.Run.Untimed != 0 {
		t.Errorf("%d deliveries without this run's clientID", r.Run.Untimed)
	}
}

func TestSmokePairsResume(t *testing.T) {
	url := startServer(t)
	keys := filepath.Join(t.TempDir(), "keys")
	first := runTool(t, "-url", url, "-layout", "pairs", "-clients", "20", "-senders", "20",
		"-rate", "200", "-duration", "1s", "-save-keys", keys)
	checkClean(t, first, 20)
	if first.Config.Resumed {
		t.Errorf("first run resumed")
	}
	saved, err := loadKeys(keys)
	if err != nil || len(saved) != 20 {
		t.Fatalf("saved keys: %d, %v", len(saved), err)
	}
	// One sender a pair, paced; the others only receive.
	second := runTool(t, "-url", url+","+url, "-layout", "pairs", "-keys", keys, "-senders", "10",
		"-messages", "100", "-duration", "5s")
	checkClean(t, second, 20)
	if !second.Config.Resumed || second.Config.Clients != 20 {
		t.Errorf("second run: resumed %v with %d clients, want 20 resumed", second.Config.Resumed, second.Config.Clients)
	}
	if second.Run.Sent != 100 || second.Run.Delivered != 200 {
		t.Errorf("sent %d, delivered %d: want 100 and 200 (sender and peer)", second.Run.Sent, second.Run.Delivered)
	}
}

// TestFailuresAreReported checks that 429s and setup failures fail the run
// and show in the result.
func TestFailuresAreReported(t *testing.T) {
	t.Run("rate limited", func(t *testing.T) {
		// A socket may send 5 requests (signIn and channelJoin among them).
		url := startLimited(t, 5)
		r, err := runToolErr(t, "-url", url, "-clients", "4", "-senders", "2", "-duration", "1s")
		if !errors.Is(err, errFailed) || r.OK {
			t.Fatalf("run: %v, ok %v: want it failed", err, r.OK)
		}
		if r.Errors.ByCode["429"] == 0 || r.Errors.ByRequest["429 channelMessage"] == 0 || r.Run.Failed == 0 {
			t.Errorf("errors %+v, %d sends failed: want 429s on channelMessage", r.Errors, r.Run.Failed)
		}
		if !strings.Contains(strings.Join(r.Problems, " "), "RATE_LIMIT") {
			t.Errorf("problems %q do not name RATE_LIMIT", r.Problems)
		}
		if r.Loss.Lost != 0 || r.Loss.Duplicates != 0 || r.Run.Unacked != 0 {
			t.Errorf("rejected sends counted as loss: %+v, unacked %d", r.Loss, r.Run.Unacked)
		}
	})
	t.Run("no server", func(t *testing.T) {
		url := fmt.Sprintf("http://127.0.0.1:%d", chattest.FreePort(t))
		r, err := runToolErr(t, "-url", url, "-clients", "3", "-duration", "1s", "-timeout", "2s")
		if !errors.Is(err, errFailed) || r.Setup.Failed != 3 || r.Setup.Failures["connect"] != 3 {
			t.Errorf("run: %v; setup %+v: want 3 connect failures", err, r.Setup)
		}
	})
}

// TestSmokeProbe runs each probe briefly, with history and no sending
// phase: every request answered, none failed, the pushes the joins cause
// read and dropped.
func TestSmokeProbe(t *testing.T) {
	for _, kind := range []string{probeJoin, probeUsers} {
		t.Run(kind, func(t *testing.T) {
			url := startServer(t)
			r := runTool(t, "-url", url, "-clients", "5", "-senders", "0", "-history", "20",
				"-probe", kind, "-probe-clients", "3", "-probe-rate", "50", "-probe-duration", "1s")
			p := checkProbe(t, r, kind, 3, 50)
			if h := r.History; h == nil || h.Posted != 20 {
				t.Errorf("history %+v: want 20 posted", h)
			}
			if r.Run.Sent != 0 || len(r.Timeline) != 0 || r.Setup.SetUp != 5 {
				t.Errorf("sent %d, timeline %d, set up %d: want no sending phase after 5 set up", r.Run.Sent, len(r.Timeline), r.Setup.SetUp)
			}
			s := p.FirstReply
			switch kind {
			case probeJoin:
				// General's members: the 5 clients and the 3 probe clients
				// (the history's poster never joined it).
				if s.Messages != 20 || s.Users != 8 {
					t.Errorf("first join reply %+v: want 20 messages and 8 users", s)
				}
				if p.Pushes == 0 {
					t.Errorf("no pushes on probe connections: each re-join should tell the other members")
				}
			case probeUsers:
				if s.Total != 9 || s.Users != 9 {
					t.Errorf("first users reply %+v: want 9 of 9 users", s)
				}
			}
		})
	}
}

// TestSmokeSeed seeds users over HTTP, then takes some of them online with
// their saved keys and counts them all with the users probe.
func TestSmokeSeed(t *testing.T) {
	url := startServer(t)
	keys := filepath.Join(t.TempDir(), "keys")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-url", url, "-seed-users", "30", "-seed-concurrency", "4",
		"-save-keys", keys, "-json", "-", "-quiet"}, &stdout, &stderr)
	t.Logf("chatload -seed-users:\n%s", stderr.String())
	var rep seedReport
	if jerr := json.Unmarshal(stdout.Bytes(), &rep); jerr != nil {
		t.Fatalf("result is not JSON: %v\n%s", jerr, stdout.String())
	}
	s := rep.Seed
	if err != nil || !rep.OK || s.Created != 30 || s.Failed != 0 || s.KeysSaved != 30 || s.PerSecond <= 0 || s.SignUpMs.Count != 30 {
		t.Fatalf("seed: %v, %+v: want 30 created and saved, none failed", err, rep)
	}
	r := runTool(t, "-url", url, "-keys", keys, "-clients", "10", "-senders", "0",
		"-probe", probeUsers, "-probe-clients", "1", "-probe-rate", "20", "-probe-duration", "500ms")
	p := checkProbe(t, r, probeUsers, 1, 10)
	if !r.Config.Resumed || p.FirstReply.Total != 31 || p.FirstReply.Users != 31 {
		t.Errorf("resumed %v, first users reply %+v: want 31 of 31 users", r.Config.Resumed, p.FirstReply)
	}
}

// checkProbe checks what every healthy probe must show: clients set up,
// requests sent on schedule (scheduled of them), each answered.
func checkProbe(t *testing.T, r result, kind string, clients int64, scheduled int64) *probeResult {
	t.Helper()
	if !r.OK || len(r.Problems) > 0 {
		t.Errorf("run not OK: %v", r.Problems)
	}
	p := r.Probe
	if p == nil {
		t.Fatalf("no probe in the result")
	}
	if p.Kind != kind || p.SetUp != clients || p.Scheduled != scheduled || p.Sent != scheduled || p.Answered != scheduled {
		t.Errorf("probe %s: %d set up, %d scheduled, %d sent, %d answered: want %s, %d, and %d each",
			p.Kind, p.SetUp, p.Scheduled, p.Sent, p.Answered, kind, clients, scheduled)
	}
	if p.Errors != 0 || p.Failed != 0 || p.Unanswered != 0 || p.Unmatched != 0 || len(p.Disconnects) != 0 {
		t.Errorf("probe errors %d (%v), failed %d, unanswered %d, unmatched %d, disconnects %v: want none",
			p.Errors, p.ErrorTexts, p.Failed, p.Unanswered, p.Unmatched, p.Disconnects)
	}
	l := p.LatencyMs
	if l.Count != uint64(p.Answered) || l.P50 <= 0 || l.P95 < l.P50 || l.P99 < l.P95 || l.Max < l.P99 {
		t.Errorf("probe latency fields not filled in order: %+v", l)
	}
	if p.BehindMs.Count != uint64(p.Sent) || p.SentPerSecond <= 0 || p.FirstReply.Bytes == 0 {
		t.Errorf("behind %+v, %g sent/s, first reply %+v: want them filled", p.BehindMs, p.SentPerSecond, p.FirstReply)
	}
	return p
}
