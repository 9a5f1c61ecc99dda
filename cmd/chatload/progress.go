package main

import (
	"fmt"
	"sync"
	"time"
)

// second is one second of the sending phase in the result's timeline.
type second struct {
	T         float64 `json:"t"` // seconds since sending started, at the end of this second
	Connected int64   `json:"connected"`
	Sent      int64   `json:"sent"`
	Delivered int64   `json:"delivered"`
	P99       float64 `json:"p99Ms"`
	ToolCPU   float64 `json:"toolCPU"`             // percent of one core
	ServerCPU float64 `json:"serverCPU,omitempty"` // with -pid
}

// progress writes a line a second to stderr (unless -quiet) and keeps the
// timeline of the sending phase.
type progress struct {
	l    *load
	cpu  *cpuMeter
	quit chan struct{}
	done chan struct{}
	once sync.Once

	mu                      sync.Mutex // held by tick
	timeline                []second
	sendStart               time.Time
	prevSent, prevDelivered int64
	prevLat                 *histSnapshot
}

func startProgress(l *load) *progress {
	p := &progress{l: l, cpu: newCPUMeter(l.opts.pid), quit: make(chan struct{}), done: make(chan struct{}), prevLat: &histSnapshot{}}
	go p.loop()
	return p
}

// sendStarted marks the start of the sending phase.
func (p *progress) sendStarted() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sendStart = time.Now()
}

// stop ends the progress goroutine and waits for it.
func (p *progress) stop() {
	p.once.Do(func() { close(p.quit) })
	<-p.done
}

func (p *progress) loop() {
	defer close(p.done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			p.tick()
		case <-p.quit:
			return
		}
	}
}

// final records the last, partial, second of the sending phase.
func (p *progress) final() { p.tick() }

func (p *progress) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	l, st := p.l, p.l.stats
	toolCPU, serverCPU := p.cpu.lap()
	elapsed := time.Since(l.t0).Seconds()
	cpu := fmt.Sprintf("cpu tool %.0f%%", toolCPU)
	if l.opts.pid > 0 {
		cpu += fmt.Sprintf(" server %.0f%%", serverCPU)
	}
	if l.phase.Load() == phaseSetup {
		up, failed := st.setUp.Load(), st.setupFailed.Load()
		p.printf("%6.1fs setup: %d/%d set up, %d failed, %.0f/s; %s",
			elapsed, up, len(l.clients), failed, float64(up)/elapsed, cpu)
		return
	}
	if l.phase.Load() == phaseProbe {
		p.printf("%6.1fs %s; %s", elapsed, l.probe.progressLine(), cpu)
		return
	}
	var sent int64
	for _, s := range l.senders {
		sent += s.sent.Load()
	}
	delivered, _, _, lat := st.deliveries()
	last := lat.since(p.prevLat)
	n := delivered - p.prevDelivered
	t := time.Since(p.sendStart).Seconds()
	p.timeline = append(p.timeline, second{
		T: round3(t), Connected: st.connected.Load(), Sent: sent - p.prevSent, Delivered: n,
		P99: ms(last.quantile(0.99)), ToolCPU: toolCPU, ServerCPU: serverCPU,
	})
	p.printf("%6.1fs %s: %d connected, sent %d, delivered %d (%d/s), p99 %.1f ms (last second %.1f ms), errors %d; %s",
		elapsed, phaseName(l.phase.Load()), st.connected.Load(), sent, delivered, n,
		ms(lat.quantile(0.99)), ms(last.quantile(0.99)), st.errorCount(), cpu)
	p.prevSent, p.prevDelivered, p.prevLat = sent, delivered, lat
}

func (p *progress) printf(format string, a ...any) {
	if !p.l.opts.quiet {
		fmt.Fprintf(p.l.stderr, format+"\n", a...)
	}
}

func phaseName(ph int32) string {
	switch ph {
	case phaseSetup:
		return "setup"
	case phaseSend:
		return "send"
	case phaseDrain:
		return "drain"
	case phaseProbe:
		return "probe"
	}
	return "done"
}
