package main

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
)

// maxExamples is how many error texts of each kind a result keeps.
const maxExamples = 5

// shard is the counters a group of receivers share, so that readers on
// different cores do not write the same cache lines.
type shard struct {
	latency   histogram
	delivered atomic.Int64 // channelMessage frames
	untimed   atomic.Int64 // ... without a clientID of this run (other senders)
	pushes    atomic.Int64 // other frames: presence, sys, typing, notify
}

// stats is what every goroutine of a run counts into.
type stats struct {
	shards []*shard

	connect, signIn, join histogram // setup steps
	setUp, setupFailed    atomic.Int64
	connected             atomic.Int64 // set up and not disconnected

	mu          sync.Mutex
	errCodes    map[string]int64 // error frames after setup, by code
	errRequests map[string]int64 // ... by "code request"
	errTexts    map[string]string
	disconnects map[string]int64 // connections lost while running, by close code
	setupErrs   map[string]int64 // setup failures, by "step code"
	examples    []string
}

func newStats() *stats {
	s := &stats{
		errCodes:    map[string]int64{},
		errRequests: map[string]int64{},
		errTexts:    map[string]string{},
		disconnects: map[string]int64{},
		setupErrs:   map[string]int64{},
	}
	for range 4 * runtime.GOMAXPROCS(0) {
		s.shards = append(s.shards, &shard{})
	}
	return s
}

func (s *stats) shardFor(i int) *shard { return s.shards[i%len(s.shards)] }

// frameErr counts an error frame received after setup.
func (s *stats) frameErr(e *frameError) {
	code := strconv.Itoa(e.Code)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errCodes[code]++
	s.errRequests[code+" "+e.Request]++
	if _, ok := s.errTexts[code]; !ok {
		s.errTexts[code] = e.Text
	}
}

// setupErr counts a client whose setup failed at step.
func (s *stats) setupErr(step string, err error) {
	s.setupFailed.Add(1)
	key := step
	var fe *frameError
	if errors.As(err, &fe) {
		key += " " + strconv.Itoa(fe.Code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setupErrs[key]++
	s.example(fmt.Sprintf("%s: %v", step, err))
}

// disconnect counts a connection lost while running.
func (s *stats) disconnect(err error) {
	code := "read error"
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		code = strconv.Itoa(ce.Code)
	}
	s.connected.Add(-1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.disconnects[code]++
	s.example(fmt.Sprintf("connection lost: %v", err))
}

// example keeps the first different texts of failures; s.mu is held.
func (s *stats) example(text string) {
	if len(s.examples) < maxExamples && !slices.Contains(s.examples, text) {
		s.examples = append(s.examples, text)
	}
}

// errorCount is the error frames and lost connections so far.
func (s *stats) errorCount() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, v := range s.errCodes {
		n += v
	}
	for _, v := range s.disconnects {
		n += v
	}
	return n
}

// deliveries sums the shards' counters and latencies.
func (s *stats) deliveries() (delivered, untimed, pushes int64, lat *histSnapshot) {
	lat = &histSnapshot{}
	for _, sh := range s.shards {
		delivered += sh.delivered.Load()
		untimed += sh.untimed.Load()
		pushes += sh.pushes.Load()
		lat.add(&sh.latency)
	}
	return delivered, untimed, pushes, lat
}

func snapshotOf(h *histogram) *histSnapshot {
	s := &histSnapshot{}
	s.add(h)
	return s
}

func copyMap[V any](m map[string]V, mu *sync.Mutex) map[string]V {
	mu.Lock()
	defer mu.Unlock()
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
