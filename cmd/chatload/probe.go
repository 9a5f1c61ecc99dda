package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Probe kinds (-probe).
const (
	probeJoin  = "join"  // channelJoin {recipientUUID: ""}: a full join of general
	probeUsers = "users" // users {}: the first page of users
)

// lateAfter is how far behind its scheduled time a probe request may be
// written before it counts as late.
const lateAfter = time.Millisecond

// probe measures the reply latency of one request: after setup (and
// sending), extra clients send it at -probe-rate in total, open loop (each
// on its schedule, whether or not the previous reply came), and time each
// reply from the write of its request. Replies to one connection come in
// the order of its requests, so a client matches each reply of the type to
// its oldest unanswered request.
type probe struct {
	l       *load
	kind    string
	request string // the request's type, also its reply's
	frame   []byte
	st      *stats // the probe clients': setup, error frames, lost connections
	clients []*probeClient

	latency histogram // request written to reply read
	behind  histogram // request written minus its scheduled time

	scheduled, sent, answered, late atomic.Int64
	failed                          atomic.Int64  // answered by an error frame
	unmatched                       atomic.Int64  // replies with no request waiting
	pushes                          atomic.Int64  // other frames
	wake                            chan struct{} // a reply came or a reader ended (buffered 1)

	first              atomic.Bool // the first reply was taken for its shape
	shape              replyShape  // written once by the reader that took it
	started            atomic.Bool // the probe requests are being sent
	setupSeconds       float64
	settleSeconds      float64
	sendSeconds        float64
	toolCPU, serverCPU float64

	// The progress line's, under its lock.
	prevLat  *histSnapshot
	prevSent int64
}

// probeClient is one probe connection and its unanswered requests.
type probeClient struct {
	*client
	p       *probe
	mu      sync.Mutex
	pending []int64 // write times (ns since the run started), oldest first
}

func newProbe(l *load) *probe {
	p := &probe{l: l, kind: l.opts.probe, st: newStats(), wake: make(chan struct{}, 1), prevLat: &histSnapshot{}}
	switch p.kind {
	case probeJoin:
		p.request, p.frame = "channelJoin", []byte(`{"type":"channelJoin","channelJoin":{"recipientUUID":""}}`)
	case probeUsers:
		p.request, p.frame = "users", []byte(`{"type":"users","users":{}}`)
	}
	for j := range l.opts.probeClients {
		idx := len(l.clients) + j
		c := &client{
			l: l, idx: idx, url: l.opts.urls[j%len(l.opts.urls)], stats: p.st,
			authed: make(chan struct{}), done: make(chan struct{}),
		}
		c.key.Username = fmt.Sprintf("%s-%s-p%d", l.opts.name, l.runID[:6], j)
		p.clients = append(p.clients, &probeClient{client: c, p: p})
	}
	return p
}

// probePhase sets the probe clients up (signed up fresh, joined to
// general), waits for the server's pushes to stop, sends the probe
// requests for -probe-duration and waits (at most -drain) for the replies.
func (l *load) probePhase(ctx context.Context, cpu *cpuMeter) {
	p := l.probe
	l.phase.Store(phaseProbe)
	clients := make([]*client, len(p.clients))
	for i, pc := range p.clients {
		clients[i] = pc.client
	}
	base := len(l.clients)
	p.setupSeconds = l.setupClients(ctx, clients, len(clients), 0, func(c *client) {
		p.clients[c.idx-base].readLoop()
	}).Seconds()
	if p.st.setUp.Load() == 0 {
		return
	}
	p.settleSeconds = l.settle(ctx).Seconds()
	cpu.lap()
	p.run(ctx)
	p.toolCPU, p.serverCPU = cpu.lap()
}

// run sends the requests on an even schedule over the clients set up and
// waits for their replies.
func (p *probe) run(ctx context.Context) {
	l := p.l
	var up []*probeClient
	for _, pc := range p.clients {
		if pc.alive.Load() {
			up = append(up, pc)
		}
	}
	n := time.Duration(len(up))
	every := time.Duration(float64(n) / l.opts.probeRate * float64(time.Second))
	every = max(every, time.Microsecond)
	d := l.opts.probeDuration
	start := time.Duration(l.now())
	p.started.Store(true)
	began := time.Now()
	var wg sync.WaitGroup
	for i, pc := range up {
		phase := every * time.Duration(i) / n
		count := int64((d - phase + every - 1) / every)
		p.scheduled.Add(count)
		wg.Add(1)
		go func() {
			defer wg.Done()
			pc.send(ctx, start+phase, every, count, start+d+l.opts.timeout)
		}()
	}
	wg.Wait()
	p.sendSeconds = time.Since(began).Seconds()
	p.drain(ctx)
}

// send writes count requests, the k-th at first+k*every (at once when it
// is already due). Only this goroutine writes the connection.
func (pc *probeClient) send(ctx context.Context, first, every time.Duration, count int64, until time.Duration) {
	p, l := pc.p, pc.l
	_ = pc.conn.SetWriteDeadline(l.t0.Add(until))
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for k := range count {
		due := first + time.Duration(k)*every
		if wait := due - time.Duration(l.now()); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return
			}
		}
		at := l.now()
		behind := time.Duration(at) - due
		p.behind.record(behind)
		if behind > lateAfter {
			p.late.Add(1)
		}
		pc.push(at) // before the write: the reply may be read before it returns
		p.sent.Add(1)
		if err := pc.conn.WriteMessage(websocket.TextMessage, p.frame); err != nil {
			return // counted unanswered
		}
	}
}

// readLoop reads the connection until it ends: replies of the probe's type
// and error frames answer the oldest request; other frames (presence,
// members, messages) are counted and dropped.
func (pc *probeClient) readLoop() {
	p := pc.p
	defer p.notify()
	for {
		data, err := pc.read()
		if err != nil {
			pc.alive.Store(false)
			if !pc.l.stopping.Load() {
				pc.stats.disconnect(err)
			}
			return
		}
		now := pc.l.now()
		switch typ := string(frameType(data)); typ {
		case p.request:
			if at, ok := pc.pop(); ok {
				p.latency.record(time.Duration(now - at))
				p.answered.Add(1)
				if p.first.CompareAndSwap(false, true) {
					p.shape = shapeOf(p.request, data)
				}
			} else {
				p.unmatched.Add(1)
			}
			p.notify()
		case "error":
			e := parseError(data)
			pc.stats.frameErr(e)
			if e.Request == p.request || e.Request == "" {
				if _, ok := pc.pop(); ok {
					p.failed.Add(1)
				}
				p.notify()
			}
		default:
			p.pushes.Add(1)
		}
	}
}

func (pc *probeClient) push(at int64) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.pending = append(pc.pending, at)
}

func (pc *probeClient) pop() (int64, bool) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if len(pc.pending) == 0 {
		return 0, false
	}
	at := pc.pending[0]
	pc.pending = pc.pending[1:]
	return at, true
}

func (pc *probeClient) waiting() int {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return len(pc.pending)
}

func (p *probe) notify() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// unanswered is the requests still waiting for a reply, on connections
// still up when alive, else on all.
func (p *probe) unanswered(alive bool) int64 {
	var n int64
	for _, pc := range p.clients {
		if !alive || pc.alive.Load() {
			n += int64(pc.waiting())
		}
	}
	return n
}

// drain waits (at most -drain) until every request sent on a connection
// still up has its reply.
func (p *probe) drain(ctx context.Context) {
	deadline := time.NewTimer(p.l.opts.drain)
	defer deadline.Stop()
	for p.unanswered(true) > 0 {
		select {
		case <-p.wake:
		case <-deadline.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// closeConns closes the probe connections (l.stopping is set) and waits for
// their readers to end.
func (p *probe) closeConns() {
	for _, pc := range p.clients {
		pc.aliveAtEnd = pc.alive.Load()
		if pc.conn != nil {
			closeConn(pc.conn)
		}
	}
	for _, pc := range p.clients {
		<-pc.done
	}
}
