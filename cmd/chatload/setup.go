package main

import (
	"context"
	"errors"
	"sync"
	"time"
)

// setupAll starts every client's goroutine and returns once each is set up
// (connected, signed in, joined) or has failed. A client's goroutine then
// reads its connection until the run stops.
func (l *load) setupAll(ctx context.Context) time.Duration {
	return l.setupClients(ctx, l.clients, l.opts.setupConcurrency, l.opts.connectRate, (*client).readLoop)
}

// setupClients sets clients up, at most concurrency at once and rate new
// connections a second (0: unlimited), counting into each client's stats;
// a client set up then runs read until its connection ends.
func (l *load) setupClients(ctx context.Context, clients []*client, concurrency int, rate float64, read func(*client)) time.Duration {
	ctx, cancel := context.WithTimeout(ctx, l.opts.setupTimeout)
	defer cancel()
	gate := &setupGate{sem: make(chan struct{}, concurrency)}
	if rate > 0 {
		gate.every = time.Duration(float64(time.Second) / rate)
	}
	var wg sync.WaitGroup
	start := time.Now()
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer close(c.done)
			err := l.setupClient(ctx, c, gate)
			if err != nil {
				step := "setup"
				var se *stepErr
				if errors.As(err, &se) {
					step = se.step
				}
				c.stats.setupErr(step, err)
				if c.conn != nil {
					_ = c.conn.Close()
				}
				wg.Done()
				return
			}
			c.alive.Store(true)
			c.stats.setUp.Add(1)
			c.stats.connected.Add(1)
			wg.Done()
			read(c)
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// setupClient connects c, signs it in and joins its channel. In pairs, the
// join waits until the other member has signed in (its UUID names the
// channel), without holding a setup slot.
func (l *load) setupClient(ctx context.Context, c *client, gate *setupGate) error {
	joined := false
	err := gate.do(ctx, true, func() error {
		if err := c.connect(ctx); err != nil {
			return err
		}
		if err := c.signIn(ctx); err != nil || c.peer != nil {
			return err
		}
		// In general, the join follows at once, as a real client's does: a
		// signed-in connection left unread would fill with pushes.
		joined = true // signed in; the join's own error says the rest
		return c.join(ctx)
	})
	if err != nil && !errors.As(err, new(*stepErr)) {
		err = &stepErr{"connect", err}
	}
	c.authOK = err == nil || joined
	close(c.authed)
	if err != nil || joined {
		return err
	}
	if c.peer != nil {
		select {
		case <-c.peer.authed:
		case <-ctx.Done():
			return &stepErr{"join", ctx.Err()}
		}
		if !c.peer.authOK {
			return &stepErr{"join", errors.New("the other client of its pair did not sign in")}
		}
		c.recipient = c.peer.key.UUID
	}
	err = gate.do(ctx, false, func() error { return c.join(ctx) })
	if err != nil && !errors.As(err, new(*stepErr)) {
		err = &stepErr{"join", err}
	}
	return err
}

// setupGate bounds the clients setting up at once and paces new
// connections to -connect-rate.
type setupGate struct {
	sem   chan struct{}
	every time.Duration

	mu   sync.Mutex
	next time.Time
}

// do runs f holding a slot; a new connection (paced) also waits its turn.
func (g *setupGate) do(ctx context.Context, paced bool, f func() error) error {
	select {
	case g.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-g.sem }()
	if paced && g.every > 0 {
		g.mu.Lock()
		at := time.Now()
		if g.next.After(at) {
			at = g.next
		}
		g.next = at.Add(g.every)
		g.mu.Unlock()
		t := time.NewTimer(time.Until(at))
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return f()
}
