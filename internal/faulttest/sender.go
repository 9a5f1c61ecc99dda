package faulttest

import (
	"fmt"
	"sync"
	"time"
)

// sendRun is one period of sending, from StartSending to StopSending.
type sendRun struct {
	stop chan struct{}
	wg   sync.WaitGroup
}

// pendingSend is a message a sender has not yet seen acknowledged. It is
// sent again with the same clientID after an error, as the browser
// client's outbox does.
type pendingSend struct {
	clientID string
	text     string
}

// StartSending makes every sender send, one message at a time, each at
// least Interval after the previous one.
func (f *Fleet) StartSending() {
	f.t.Helper()
	f.sendMu.Lock()
	defer f.sendMu.Unlock()
	if f.sending != nil {
		f.t.Fatal("fleet: StartSending twice")
	}
	run := &sendRun{stop: make(chan struct{})}
	f.sending = run
	for _, c := range f.Clients() {
		if c.sender {
			run.wg.Add(1)
			f.wg.Add(1)
			go c.sendLoop(run)
		}
	}
}

// StopSending stops the senders starting new messages and waits until
// each has its last one acknowledged, or gave up after DrainTimeout.
func (f *Fleet) StopSending() {
	f.sendMu.Lock()
	run := f.sending
	f.sending = nil
	f.sendMu.Unlock()
	if run != nil {
		close(run.stop)
		run.wg.Wait()
	}
}

func (c *Client) sendLoop(run *sendRun) {
	defer c.f.wg.Done()
	defer run.wg.Done()
	f := c.f
	tick := time.NewTicker(f.cfg.Interval)
	defer tick.Stop()
	stop := run.stop // nil once stopping
	var giveUp <-chan time.Time
	var cur *pendingSend
	for {
		if cur != nil && f.isAcked(cur.clientID) {
			cur = nil
		}
		if cur == nil {
			if stop == nil {
				return
			}
			c.sent++ // only this goroutine touches it; runs of one client follow each other
			cur = &pendingSend{clientID: fmt.Sprintf("%s-%d", c.Name, c.sent), text: fmt.Sprintf("%s says %d", c.Name, c.sent)}
		}
		var live <-chan struct{}
		var next <-chan time.Time
		if s, changed := c.liveSession(); s != nil {
			c.sendOnce(s, cur)
			next = tick.C
		} else {
			live = changed
		}
		select {
		case <-live:
		case <-next:
		case <-stop:
			stop, giveUp = nil, time.After(f.cfg.DrainTimeout)
		case <-giveUp:
			if cur != nil && !f.isAcked(cur.clientID) {
				f.mu.Lock()
				f.lat.Abandoned++
				f.mu.Unlock()
				c.note("gave up on %s after StopSending", cur.clientID)
			}
			return
		case <-f.quit:
			return
		}
	}
}

// sendOnce sends p and waits for its outcome: its echo, an error frame,
// the connection's end, or SendTimeout (a hang).
func (c *Client) sendOnce(s *session, p *pendingSend) {
	f := c.f
	for drained := false; !drained; { // outcomes of earlier attempts
		select {
		case <-c.outcomes:
		default:
			drained = true
		}
	}
	if !c.setOutstanding(p.clientID) {
		return
	}
	start := time.Now()
	err := s.send("channelMessage", map[string]any{"recipientUUID": f.cfg.Recipient, "message": p.text, "clientID": p.clientID})
	f.mu.Lock()
	f.lat.Sends++
	f.mu.Unlock()
	if err != nil {
		return // the connection is failing: run sees it end
	}
	timer := time.NewTimer(f.cfg.SendTimeout)
	defer timer.Stop()
	for {
		select {
		case o := <-c.outcomes:
			if o.clientID != p.clientID {
				continue
			}
			d := time.Since(start)
			f.mu.Lock()
			if o.code == 0 {
				f.lat.MaxAck = max(f.lat.MaxAck, d)
			} else {
				f.lat.MaxError = max(f.lat.MaxError, d)
			}
			f.mu.Unlock()
			return
		case <-s.done:
			return
		case <-timer.C:
			f.mu.Lock()
			f.lat.Hangs++
			f.mu.Unlock()
			c.note("send %s: no echo and no error within %s", p.clientID, f.cfg.SendTimeout)
			return
		case <-f.quit:
			return
		}
	}
}
