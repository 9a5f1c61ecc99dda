package faulttest

import (
	"testing"
	"time"
)

// TestRedisRestartKeepsEveryMessage: Redis, with its AOF, is stopped for
// 3 s and started again with its data while clients on two instances send.
// Sends during the outage get an error frame within a few seconds, never
// a hang; /health answers 503 during the outage and 200 within 2 s of
// Redis coming back; every member receives every acknowledged message
// without reconnecting.
func TestRedisRestartKeepsEveryMessage(t *testing.T) {
	const outage = 3 * time.Second
	rd := StartRedis(t, RedisOptions{AOF: true})
	cfg := serverConfig(t, rd.URL())
	servers := startServers(t, cfg, cfg)
	var health []*HealthWatch
	for _, s := range servers {
		health = append(health, WatchHealth(t, s.URL(), 50*time.Millisecond))
	}
	f := NewFleet(t, FleetConfig{URLs: urls(servers), Clients: 6, Senders: 4, Interval: 40 * time.Millisecond, Reconnect: true})
	f.StartSending()
	mustAcked(t, f, 40, 20*time.Second, "before the outage")
	if st := f.Stats(); len(st.Errors) > 0 {
		t.Fatalf("error frames before any fault: %s", st.Summary())
	}

	down := time.Now()
	rd.Stop()
	for i, h := range health {
		if s, ok := h.WaitStatus(503, down, outage); !ok {
			t.Errorf("instance %d: /health did not answer 503 while Redis was down", i+1)
		} else {
			t.Logf("instance %d: /health 503 %s after Redis stopped", i+1, s.Done.Sub(down).Round(time.Millisecond))
		}
	}
	time.Sleep(time.Until(down.Add(outage))) // the outage lasts 3 s whatever else happens
	rd.Start()
	back := time.Now()
	ackedAtBack := f.Acked()

	for i, h := range health {
		s, ok := h.WaitStatus(200, back, 10*time.Second)
		switch {
		case !ok:
			t.Errorf("instance %d: /health not 200 within 10 s of Redis coming back", i+1)
		case s.Done.Sub(back) > 2*time.Second:
			t.Errorf("instance %d: /health 200 only %s after Redis came back, want within 2 s", i+1, s.Done.Sub(back).Round(time.Millisecond))
		default:
			t.Logf("instance %d: /health 200 %s after Redis came back", i+1, s.Done.Sub(back).Round(time.Millisecond))
		}
		if worst, failed := h.Slowest(down, back); worst > 3*time.Second || failed > 0 {
			t.Errorf("instance %d: during the outage /health took up to %s, %d requests unanswered within 6 s: it must answer 503 promptly",
				i+1, worst.Round(time.Millisecond), failed)
		}
	}
	first := mustAcked(t, f, ackedAtBack+1, 20*time.Second, "after Redis came back")
	t.Logf("first message acknowledged %s after Redis came back (outage %s)", first.Sub(back).Round(time.Millisecond), outage)
	mustAcked(t, f, f.Acked()+40, 20*time.Second, "after Redis came back")

	stream := settle(t, f, rd, GeneralLog(cfg))
	f.Check(t)
	f.CheckStream(t, stream)
	st := f.Stats()
	if st.Reconnects > 0 {
		t.Errorf("%d reconnects (close codes %s): members must get every message without reconnecting", st.Reconnects, codes(st.CloseCodes))
	}
	failed := 0
	for code, n := range st.Errors {
		failed += n
		if code != 503 {
			t.Errorf("%d error frames with code %d: a send during an outage must get 503 (storage unavailable)", n, code)
		}
	}
	if failed == 0 {
		t.Errorf("no send got an error frame during a %s outage: the outage was not exercised", outage)
	}
	if st.Hangs > 0 || st.MaxError > 5*time.Second {
		t.Errorf("sends during the outage: %d had no answer within %s, slowest error frame %s: want every one answered within 5 s",
			st.Hangs, f.cfg.SendTimeout, st.MaxError.Round(time.Millisecond))
	}
}
