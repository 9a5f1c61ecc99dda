package faulttest

import (
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// HealthSample is one GET /health.
type HealthSample struct {
	Start  time.Time
	Done   time.Time
	Status int // 0 when the request failed (no answer within the client's timeout)
}

// HealthWatch polls a server's GET /health, one request at a time, and
// keeps every answer with its timing.
type HealthWatch struct {
	url    string
	client *http.Client
	stop   chan struct{}
	done   chan struct{}

	mu      sync.Mutex
	samples []HealthSample
	changed chan struct{} // closed and replaced at every sample
}

// WatchHealth starts polling baseURL/health every period until the test
// ends. A request gets 6 s, more than the server's own 2 s bound.
func WatchHealth(t testing.TB, baseURL string, every time.Duration) *HealthWatch {
	h := &HealthWatch{
		url: baseURL + "/health", client: &http.Client{Timeout: 6 * time.Second},
		stop: make(chan struct{}), done: make(chan struct{}), changed: make(chan struct{}),
	}
	go h.run(every)
	t.Cleanup(func() { close(h.stop); <-h.done })
	return h
}

func (h *HealthWatch) run(every time.Duration) {
	defer close(h.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		s := HealthSample{Start: time.Now()}
		if resp, err := h.client.Get(h.url); err == nil {
			s.Status = resp.StatusCode
			_ = resp.Body.Close()
		}
		s.Done = time.Now()
		h.mu.Lock()
		h.samples = append(h.samples, s)
		close(h.changed)
		h.changed = make(chan struct{})
		h.mu.Unlock()
		select {
		case <-h.stop:
			return
		case <-tick.C:
		}
	}
}

// WaitStatus waits for the first answer with status that came at or after
// after; false after d.
func (h *HealthWatch) WaitStatus(status int, after time.Time, d time.Duration) (HealthSample, bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for i := 0; ; {
		h.mu.Lock()
		samples, changed := h.samples[i:], h.changed
		h.mu.Unlock()
		for _, s := range samples {
			i++
			if s.Status == status && !s.Done.Before(after) {
				return s, true
			}
		}
		select {
		case <-changed:
		case <-timer.C:
			return HealthSample{}, false
		}
	}
}

// Slowest returns the longest a request took between from and to, and
// how many requests failed without an answer.
func (h *HealthWatch) Slowest(from, to time.Time) (time.Duration, int) {
	h.mu.Lock()
	samples := slices.Clone(h.samples)
	h.mu.Unlock()
	var worst time.Duration
	failed := 0
	for _, s := range samples {
		if s.Start.Before(from) || s.Start.After(to) {
			continue
		}
		worst = max(worst, s.Done.Sub(s.Start))
		if s.Status == 0 {
			failed++
		}
	}
	return worst, failed
}
