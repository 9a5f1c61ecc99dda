// Package embedredis runs a Redis-compatible server (miniredis) inside the
// process, for the zero-setup local run and for tests on a machine with no
// Redis. It is not Redis: CI tests run against a real one.
package embedredis

import (
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// Server is a running embedded Redis whose clock follows the wall clock:
// miniredis only expires keys when its time is moved, so a goroutine moves
// it every tick.
type Server struct {
	*miniredis.Miniredis
	stop chan struct{}
	done sync.WaitGroup
}

// Start starts a server on a free port of 127.0.0.1.
func Start() (*Server, error) {
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		return nil, err
	}
	s := &Server{Miniredis: m, stop: make(chan struct{})}
	s.done.Add(1)
	go s.tick(200 * time.Millisecond)
	return s, nil
}

func (s *Server) tick(every time.Duration) {
	defer s.done.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			s.FastForward(now.Sub(last))
			last = now
		}
	}
}

// Close stops the clock and the server.
func (s *Server) Close() {
	close(s.stop)
	s.done.Wait()
	s.Miniredis.Close()
}
