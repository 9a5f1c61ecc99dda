package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Phases of a run, for the progress line.
const (
	phaseSetup int32 = iota
	phaseSend
	phaseDrain
	phaseProbe
	phaseDone
)

// load is one run of the tool: its clients, senders and counters.
type load struct {
	opts     options
	stderr   io.Writer
	runID    []byte // random, in every clientID and username
	t0       time.Time
	stats    *stats
	clients  []*client
	senders  []*sender
	channels [][]*client // the members of each channel
	resumed  bool        // clients sign in with saved access keys
	dialer   *websocket.Dialer
	probe    *probe      // nil without -probe
	stopping atomic.Bool // connections are being closed on purpose
	phase    atomic.Int32
}

// now is the time since the run started, in nanoseconds (monotonic).
func (l *load) now() int64 { return int64(time.Since(l.t0)) }

func newLoad(opts options, stderr io.Writer) (*load, error) {
	var keys []savedKey
	if opts.keysFile != "" {
		var err error
		if keys, err = loadKeys(opts.keysFile); err != nil {
			return nil, err
		}
		if opts.clients == 0 {
			opts.clients = len(keys)
		}
		if opts.clients > len(keys) {
			return nil, fmt.Errorf("-clients %d but %s holds %d keys", opts.clients, opts.keysFile, len(keys))
		}
	}
	if opts.clients == 0 {
		opts.clients = 100
	}
	if opts.senders > opts.clients {
		return nil, fmt.Errorf("-senders %d is more than -clients %d", opts.senders, opts.clients)
	}
	if opts.layout == layoutPairs && opts.clients%2 != 0 {
		return nil, fmt.Errorf("-layout pairs needs an even number of clients, got %d", opts.clients)
	}
	l := &load{
		opts:    opts,
		stderr:  stderr,
		runID:   newRunID(),
		t0:      time.Now(),
		stats:   newStats(),
		resumed: keys != nil,
		dialer: &websocket.Dialer{
			HandshakeTimeout: opts.timeout,
			ReadBufferSize:   4096, // frames written together are read in one syscall
			WriteBufferSize:  1024 + opts.size,
			WriteBufferPool:  &sync.Pool{},
		},
	}
	for i := range opts.clients {
		c := &client{
			l: l, idx: i, url: opts.urls[i%len(opts.urls)], shard: l.stats.shardFor(i), stats: l.stats,
			authed: make(chan struct{}), done: make(chan struct{}),
		}
		if keys != nil {
			c.key = keys[i]
		} else {
			c.key.Username = fmt.Sprintf("%s-%s-%d", opts.name, l.runID[:6], i)
		}
		l.clients = append(l.clients, c)
	}
	l.layout()
	l.makeSenders()
	if opts.probe != "" {
		l.probe = newProbe(l)
	}
	return l, nil
}

// newRunID returns a run's random ID (8 hex digits): in every clientID and
// username of the run.
func newRunID() []byte {
	var id [4]byte
	_, _ = rand.Read(id[:])
	return []byte(hex.EncodeToString(id[:]))
}

// layout puts the clients in channels: all in general, or pairs.
func (l *load) layout() {
	if l.opts.layout == layoutGeneral {
		l.channels = [][]*client{l.clients}
		return
	}
	for k := 0; k+1 < len(l.clients); k += 2 {
		a, b := l.clients[k], l.clients[k+1]
		a.peer, b.peer = b, a
		l.channels = append(l.channels, []*client{a, b})
	}
}

// makeSenders picks the senders and splits -messages and -rate over them.
// In general the first clients send; in pairs the first member of each
// pair, then the second, so that -senders = clients/2 is one per pair.
func (l *load) makeSenders() {
	n := l.opts.senders
	var every time.Duration
	if l.opts.rate > 0 && n > 0 {
		every = time.Duration(float64(n) / l.opts.rate * float64(time.Second))
	}
	pairs := len(l.clients) / 2
	for j := range n {
		c := l.clients[j]
		if l.opts.layout == layoutPairs {
			if j < pairs {
				c = l.clients[2*j]
			} else {
				c = l.clients[2*(j-pairs)+1]
			}
		}
		count := 0
		if l.opts.messages > 0 {
			count = l.opts.messages / n
			if j < l.opts.messages%n {
				count++
			}
			if count == 0 {
				continue // fewer messages than senders
			}
		}
		phase := time.Duration(0)
		if every > 0 {
			phase = every * time.Duration(j) / time.Duration(n)
		}
		c.sender = newSender(c, count, l.opts.window, every, phase)
		l.senders = append(l.senders, c.sender)
	}
}
