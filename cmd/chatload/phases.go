package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// execute runs the phases: setup, sending (at most -duration), drain (at
// most -drain), stop; and returns what was measured.
func (l *load) execute(ctx context.Context) *result {
	r := newResult(l)
	cpu := newCPUMeter(l.opts.pid)
	serverBefore := l.rss(r, "before")
	toolBefore, _ := procRSS(os.Getpid())
	prog := startProgress(l)
	defer prog.stop()

	if l.opts.history > 0 {
		r.History = l.postHistory(ctx)
	}
	r.Setup.Seconds = l.setupAll(ctx).Seconds()
	r.CPU.ToolSetup, r.CPU.ServerSetup = cpu.lap()
	l.memoryAfterSetup(r, serverBefore, toolBefore)
	if l.opts.saveKeys != "" {
		if err := l.saveKeys(); err != nil {
			r.problem("save keys: %v", err)
		}
	}

	var senders sync.WaitGroup
	if l.stats.setUp.Load() > 0 {
		r.Setup.SettleSeconds = l.settle(ctx).Seconds()
		if l.opts.senders > 0 || l.probe == nil { // with -probe and -senders 0: no sending phase
			l.phase.Store(phaseSend)
			prog.sendStarted()
			start := time.Now()
			r.Run.SendSeconds = l.sendAll(ctx, &senders).Seconds()
			l.phase.Store(phaseDrain)
			l.drainWait(ctx)
			r.Run.Seconds = time.Since(start).Seconds()
			prog.final()
			r.CPU.ToolRun, r.CPU.ServerRun = cpu.lap()
		}
		if l.probe != nil {
			l.probePhase(ctx, cpu)
		}
		if r.Memory != nil {
			r.Memory.EndKB = l.rss(r, "end")
		}
	}
	l.closeAll()
	senders.Wait()
	l.phase.Store(phaseDone)
	if ctx.Err() != nil {
		r.problem("interrupted")
	}
	prog.stop()
	r.Timeline = prog.timeline // the progress goroutine has ended
	r.fill(l)
	return r
}

// rss reads the server's RSS (KiB), creating r.Memory; 0 without -pid.
func (l *load) rss(r *result, when string) int64 {
	if l.opts.pid <= 0 {
		return 0
	}
	kb, err := procRSS(l.opts.pid)
	if err != nil {
		r.problem("read the server's RSS %s: %v", when, err)
		return 0
	}
	if r.Memory == nil {
		r.Memory = &memoryResult{PID: l.opts.pid, BeforeKB: kb}
	}
	return kb
}

// memoryAfterSetup notes the server's and the tool's RSS growth per
// connection set up.
func (l *load) memoryAfterSetup(r *result, serverBefore, toolBefore int64) {
	n := l.stats.setUp.Load()
	if after := l.rss(r, "after setup"); after > 0 && serverBefore > 0 {
		r.Memory.AfterSetupKB = after
		if n > 0 {
			r.Memory.BytesPerConnection = (after - serverBefore) * 1024 / n
		}
	}
	r.Tool.RSSBeforeKB = toolBefore
	r.Tool.RSSAfterSetupKB, _ = procRSS(os.Getpid())
	if n > 0 {
		r.Tool.BytesPerConnection = (r.Tool.RSSAfterSetupKB - toolBefore) * 1024 / n
	}
}

func (l *load) saveKeys() error {
	var keys []savedKey
	for _, c := range l.clients {
		if c.authOK {
			keys = append(keys, c.key)
		}
	}
	if len(keys) == 0 {
		return fmt.Errorf("no client signed in")
	}
	return saveKeys(l.opts.saveKeys, keys)
}

// sendAll runs the senders of the clients that are up until each has sent
// its messages or -duration passed; with no senders it holds the
// connections for -duration.
func (l *load) sendAll(ctx context.Context, wg *sync.WaitGroup) time.Duration {
	ctx, cancel := context.WithTimeout(ctx, l.opts.duration)
	defer cancel()
	start := time.Now()
	done := make(chan struct{})
	for _, s := range l.senders {
		if s.c.alive.Load() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.run(ctx)
			}()
		}
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	if len(l.senders) == 0 {
		<-ctx.Done()
		return time.Since(start)
	}
	select {
	case <-done:
	case <-ctx.Done():
		// A sender blocked in a write (the server stopped reading) ends
		// when closeAll closes its connection.
		select {
		case <-done:
		case <-time.After(time.Second):
		}
	}
	return time.Since(start)
}

// settle waits (at most -settle) until no push arrived for 200 ms: the
// presence of the clients that just signed in can keep a server busy after
// setup, which would be measured as message latency.
func (l *load) settle(ctx context.Context) time.Duration {
	start := time.Now()
	if l.opts.settle <= 0 {
		return 0
	}
	deadline := time.NewTimer(l.opts.settle)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	_, _, prev, _ := l.stats.deliveries()
	for quiet := 0; quiet < 2; {
		select {
		case <-tick.C:
		case <-deadline.C:
			return time.Since(start)
		case <-ctx.Done():
			return time.Since(start)
		}
		_, _, pushes, _ := l.stats.deliveries()
		if pushes == prev {
			quiet++
		} else {
			quiet, prev = 0, pushes
		}
	}
	return time.Since(start)
}

// drainWait waits (at most -drain) until every message sent came back to
// its sender and every receiver has the highest offset of its channel.
func (l *load) drainWait(ctx context.Context) {
	deadline := time.NewTimer(l.opts.drain)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !l.settled() {
		select {
		case <-tick.C:
		case <-deadline.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

func (l *load) settled() bool {
	for _, s := range l.senders {
		if s.c.alive.Load() && s.unacked() > 0 {
			return false
		}
	}
	for _, members := range l.channels {
		var top int64
		for _, c := range members {
			top = max(top, c.last.Load())
		}
		for _, c := range members {
			if c.alive.Load() && c.last.Load() < top {
				return false
			}
		}
	}
	return true
}

// closeAll closes every connection and waits for the readers to end.
func (l *load) closeAll() {
	l.stopping.Store(true)
	for _, c := range l.clients {
		c.aliveAtEnd = c.alive.Load()
		if c.conn != nil {
			closeConn(c.conn)
		}
	}
	for _, c := range l.clients {
		<-c.done
	}
	if l.probe != nil {
		l.probe.closeConns()
	}
}

// closeConn says goodbye (briefly) and closes conn.
func closeConn(conn *websocket.Conn) {
	bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "load test done")
	_ = conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(100*time.Millisecond))
	_ = conn.Close()
}
