package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// seedReport is the result of a -seed-users run; also its JSON.
type seedReport struct {
	OK       bool       `json:"ok"`
	Problems []string   `json:"problems"`
	Config   seedConfig `json:"config"`
	Seed     seedResult `json:"seed"`
}

type seedConfig struct {
	URLs        []string `json:"urls"`
	Users       int      `json:"users"`
	Concurrency int      `json:"concurrency"`
	RunID       string   `json:"runID"`
	Names       string   `json:"names"` // <name>-seed-<run>-<i>
}

type seedResult struct {
	Created   int64            `json:"created"`
	Failed    int64            `json:"failed"`
	Failures  map[string]int64 `json:"failures"` // by "HTTP status" (or "transport")
	Seconds   float64          `json:"seconds"`
	PerSecond float64          `json:"perSecond"` // users created a second
	SignUpMs  latencySummary   `json:"signUpMs"`  // one POST /signUp
	KeysSaved int              `json:"keysSaved"` // with -save-keys
	Examples  []string         `json:"examples"`
}

// seeder signs users up over HTTP, -seed-concurrency at a time.
type seeder struct {
	opts    options
	runID   []byte
	h       *httpFunctions
	keys    []savedKey // by index; empty where the sign-up failed
	next    atomic.Int64
	created atomic.Int64
	failed  atomic.Int64
	latency histogram
	mu      sync.Mutex
	fails   map[string]int64
	samples []string
}

// runSeed is the whole -seed-users run: sign-ups, summary, JSON, keys.
func runSeed(ctx context.Context, opts options, stdout, stderr io.Writer) error {
	s := &seeder{
		opts: opts, runID: newRunID(), h: newHTTPFunctions(opts.urls, opts.seedConcurrency, opts.timeout),
		keys: make([]savedKey, opts.seedUsers), fails: map[string]int64{},
	}
	defer s.h.close()
	start := time.Now()
	quit, ticked := make(chan struct{}), make(chan struct{})
	go s.progress(stderr, start, quit, ticked)
	var wg sync.WaitGroup
	for range opts.seedConcurrency {
		wg.Go(func() { s.work(ctx) })
	}
	wg.Wait()
	close(quit)
	<-ticked
	rep := s.report(time.Since(start))
	if opts.saveKeys != "" {
		if err := s.saveKeys(&rep); err != nil {
			rep.Problems = append(rep.Problems, "save keys: "+err.Error())
		}
	}
	if ctx.Err() != nil {
		rep.Problems = append(rep.Problems, "interrupted")
	}
	rep.OK = len(rep.Problems) == 0
	rep.print(stderr)
	if opts.jsonOut != "" {
		if err := writeJSON(opts.jsonOut, stdout, rep); err != nil {
			return err
		}
	}
	if !rep.OK {
		return fmt.Errorf("%w: %s", errFailed, strings.Join(rep.Problems, "; "))
	}
	return nil
}

// work signs users up until every index is taken or ctx ends.
func (s *seeder) work(ctx context.Context) {
	for ctx.Err() == nil {
		i := int(s.next.Add(1) - 1)
		if i >= len(s.keys) {
			return
		}
		t := time.Now()
		k, err := s.h.signUp(ctx, i, fmt.Sprintf("%s-seed-%s-%d", s.opts.name, s.runID[:6], i))
		if err != nil {
			s.fail(err)
			continue
		}
		s.latency.record(time.Since(t))
		s.keys[i] = k
		s.created.Add(1)
	}
}

func (s *seeder) fail(err error) {
	s.failed.Add(1)
	key := "transport"
	var he *httpError
	if errors.As(err, &he) {
		key = strconv.Itoa(he.status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails[key]++
	if len(s.samples) < maxExamples {
		s.samples = append(s.samples, err.Error())
	}
}

// progress writes a line a second until quit is closed.
func (s *seeder) progress(w io.Writer, start time.Time, quit <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-quit:
			return
		}
		if !s.opts.quiet {
			el := time.Since(start).Seconds()
			n := s.created.Load()
			fmt.Fprintf(w, "%6.1fs seed: %d/%d signed up, %d failed, %.0f/s\n", el, n, len(s.keys), s.failed.Load(), float64(n)/el)
		}
	}
}

func (s *seeder) report(d time.Duration) seedReport {
	s.mu.Lock()
	fails, samples := s.fails, s.samples
	s.mu.Unlock()
	r := seedReport{Problems: []string{}, Config: seedConfig{
		URLs: s.opts.urls, Users: len(s.keys), Concurrency: s.opts.seedConcurrency, RunID: string(s.runID),
		Names: fmt.Sprintf("%s-seed-%s-<i>", s.opts.name, s.runID[:6]),
	}, Seed: seedResult{
		Created: s.created.Load(), Failed: s.failed.Load(), Failures: fails, Seconds: round3(d.Seconds()),
		SignUpMs: snapshotOf(&s.latency).summary(), Examples: append([]string{}, samples...),
	}}
	if d > 0 {
		r.Seed.PerSecond = round3(float64(r.Seed.Created) / d.Seconds())
	}
	if r.Seed.Failed > 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("%d of %d sign-ups failed (%s)", r.Seed.Failed, len(s.keys), joinCounts(fails)))
	}
	if n := int64(len(s.keys)) - r.Seed.Created - r.Seed.Failed; n > 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("%d sign-ups not tried", n))
	}
	return r
}

func (s *seeder) saveKeys(r *seedReport) error {
	var keys []savedKey
	for _, k := range s.keys {
		if k.AccessKey != "" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return errors.New("no user signed up")
	}
	r.Seed.KeysSaved = len(keys)
	return saveKeys(s.opts.saveKeys, keys)
}

func (r *seedReport) print(w io.Writer) {
	c, s := r.Config, r.Seed
	fmt.Fprintf(w, "\nchatload seed %s: %d users (%s) on %d server(s), %d at a time\n", c.RunID, c.Users, c.Names, len(c.URLs), c.Concurrency)
	fmt.Fprintf(w, "seed     %d created, %d failed in %.2f s: %.0f users/s\n", s.Created, s.Failed, s.Seconds, s.PerSecond)
	fmt.Fprintf(w, "         signUp %s\n", brief(s.SignUpMs))
	if s.KeysSaved > 0 {
		fmt.Fprintf(w, "         %d access keys saved\n", s.KeysSaved)
	}
	if r.OK {
		fmt.Fprintln(w, "result   OK")
		return
	}
	fmt.Fprintf(w, "result   FAILED: %s\n", strings.Join(r.Problems, "; "))
	for _, ex := range s.Examples {
		fmt.Fprintf(w, "         e.g. %s\n", ex)
	}
}
