package faulttest

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"
)

// What the members of a channel of a clusterChat were told through a
// fault, checked against the stream a member joining at the end was
// given, and the figures the cluster fault tests report.

// lossSlack is how long after a fault a message the fault lost may still
// have been acknowledged: it was stored before, its echo on the way.
const lossSlack = time.Second

// verdict is what a channel's members saw through a fault.
type verdict struct {
	Channel     string
	Acked, Lost int
	LostOffsets []int64
	// Quiet is the longest time without an acknowledgement, from the
	// last one before the fault on; it began QuietFrom and ended QuietTo
	// after the fault.
	Quiet, QuietFrom, QuietTo time.Duration
	// Errored: error frames came, the first ErrFrom and the last ErrTo
	// after the fault (sampled every errorSample).
	Errored        bool
	ErrFrom, ErrTo time.Duration
	Stats          Stats // the channel's fleets' counters added up
	EpochChanged   bool
}

// verdict checks the channel after settle: every member's view, from
// where it began, is the stream the observer was given; every
// acknowledged message is in it at its offset, received once by every
// member, in order. When mayLose, a fault may have lost the last
// acknowledged writes (a replica promoted without them), but only the
// last, only ones acknowledged before the fault, and only if the channel
// has a new epoch that every member rejoined with; else nothing may be
// lost and the epoch must not change.
func (cc *chatChannel) verdict(t *testing.T, fault time.Time, mayLose bool) verdict {
	t.Helper()
	obs := cc.observer
	first, view := obs.View()
	if first != 1 {
		t.Errorf("%s: the join page of the member that joined last begins at offset %d, not 1: raise HistoryLimit", cc.name, first)
	}
	stream := make([]StreamEntry, 0, len(view))
	for _, o := range slices.Sorted(maps.Keys(view)) {
		stream = append(stream, StreamEntry{Offset: o, UUID: view[o].UUID, ClientID: view[o].ClientID})
	}
	epoch := last(obs.Epochs())
	v := verdict{Channel: cc.name, EpochChanged: epoch != cc.epoch}

	acks := cc.acks()
	var kept, lost []Ack
	for _, a := range acks {
		if e, ok := view[a.Offset]; ok && e.UUID == a.UUID {
			kept = append(kept, a)
		} else {
			lost = append(lost, a)
			v.LostOffsets = append(v.LostOffsets, a.Offset)
		}
	}
	v.Acked, v.Lost = len(acks), len(lost)
	slices.Sort(v.LostOffsets)
	switch {
	case len(lost) > 0 && !mayLose:
		t.Errorf("%s: %d acknowledged messages lost (offsets %s): this fault must lose none", cc.name, len(lost), ranges(v.LostOffsets))
	case len(lost) > 0 && !v.EpochChanged:
		t.Errorf("%s: %d acknowledged messages lost (offsets %s) under the same epoch %q: members cannot tell",
			cc.name, len(lost), ranges(v.LostOffsets), epoch)
	case v.EpochChanged && !mayLose:
		t.Errorf("%s: the epoch changed from %q to %q in a fault that loses nothing: every member reloads the channel", cc.name, cc.epoch, epoch)
	}
	keptBefore := int64(0) // the highest offset kept of those acknowledged before the fault
	for _, a := range kept {
		if a.At.Before(fault) {
			keptBefore = max(keptBefore, a.Offset)
		}
	}
	for _, a := range lost {
		if a.At.After(fault.Add(lossSlack)) {
			t.Errorf("%s: %s, acknowledged at offset %d %s after the fault, is lost: only writes of before the fault may be",
				cc.name, a.ClientID, a.Offset, a.At.Sub(fault).Round(time.Millisecond))
		}
		if a.Offset <= keptBefore {
			t.Errorf("%s: offset %d lost while %d, acknowledged before the fault too, was kept: a replica has a prefix of its primary's writes",
				cc.name, a.Offset, keptBefore)
		}
	}
	for _, c := range cc.clients() {
		if got := last(c.Epochs()); got != epoch {
			t.Errorf("%s: member %s is on epoch %q, the channel on %q", cc.name, c.Name, got, epoch)
		}
	}
	for _, f := range cc.fleets {
		f.CheckStream(t, stream)
		f.CheckAcks(t, kept)
	}

	v.Quiet, v.QuietFrom, v.QuietTo = quietest(acksBefore(acks, cc.stopped), fault)
	if errs := cc.errs.times(); len(errs) > 0 {
		v.Errored, v.ErrFrom, v.ErrTo = true, errs[0].Sub(fault), errs[len(errs)-1].Sub(fault)
	}
	v.Stats = cc.stats()
	return v
}

// quietest returns the longest time between two acknowledgements, from
// the last before fault on, and when it began and ended relative to fault.
// It is given the acknowledgements until the senders were stopped: a
// sender draining its last message alone is no outage.
func quietest(acks []Ack, fault time.Time) (gap, from, to time.Duration) {
	prev := fault
	for _, a := range acks {
		if a.At.Before(fault) {
			prev = a.At
		}
	}
	for _, a := range acks {
		if a.At.Before(prev) {
			continue
		}
		if d := a.At.Sub(prev); d > gap {
			gap, from, to = d, prev.Sub(fault), a.At.Sub(fault)
		}
		prev = a.At
	}
	return gap, from, to
}

func (cc *chatChannel) stats() Stats {
	s := Stats{ClientStats: ClientStats{CloseCodes: map[int]int{}, Errors: map[int]int{}}}
	for _, f := range cc.fleets {
		s.Add(f.Stats())
	}
	return s
}

// String is the verdict's figures in one line, the tests' report.
func (v verdict) String() string {
	s := v.Stats
	errs := "none"
	if v.Errored {
		errs = fmt.Sprintf("%s, from %s to %s after the fault", codes(s.Errors), ms(v.ErrFrom), ms(v.ErrTo))
	}
	return fmt.Sprintf("%s: no ack for %s (from %s to %s after the fault); acked %d, lost %d (offsets %s); sends %d; error frames %s; "+
		"slowest error %s, slowest echo %s, hangs %d, abandoned %d; epoch changed %v, resets %d, reconnects %d (close codes %s), "+
		"sessions lost %d; duplicates %d, gaps %d, dropped as seen %d",
		v.Channel, ms(v.Quiet), ms(v.QuietFrom), ms(v.QuietTo), v.Acked, v.Lost, ranges(v.LostOffsets), s.Sends, errs,
		ms(s.MaxError), ms(s.MaxAck), s.Hangs, s.Abandoned, v.EpochChanged, s.Resets, s.Reconnects, codes(s.CloseCodes),
		s.SessionsLost, s.Duplicates, s.Gaps, s.Conflicts+s.Stale)
}

func ms(d time.Duration) string { return d.Round(time.Millisecond).String() }

// report logs every channel's verdict under the fault's name, one line
// each starting with "FIGURES", and returns them.
func (ch *clusterChat) report(t *testing.T, fault string, at time.Time, mayLose bool) []verdict {
	t.Helper()
	var out []verdict
	for _, cc := range ch.channels() {
		v := cc.verdict(t, at, mayLose)
		t.Logf("FIGURES %s %s", fault, v)
		out = append(out, v)
	}
	return out
}

// errorWatch samples the count of error frames a channel's members got,
// every errorSample, and keeps when it grew: when sends began to fail.
type errorWatch struct {
	fleets []*Fleet
	stop   chan struct{}
	done   chan struct{}

	mu   sync.Mutex
	seen []time.Time // one per sample that found more error frames than the one before
	n    int
}

const errorSample = 20 * time.Millisecond

func watchErrors(t *testing.T, fleets []*Fleet) *errorWatch {
	w := &errorWatch{fleets: fleets, stop: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	t.Cleanup(func() { close(w.stop); <-w.done })
	return w
}

func (w *errorWatch) run() {
	defer close(w.done)
	tick := time.NewTicker(errorSample)
	defer tick.Stop()
	for {
		n := 0
		for _, f := range w.fleets {
			for _, c := range f.Clients() {
				for _, k := range c.Stats().Errors {
					n += k
				}
			}
		}
		w.mu.Lock()
		if n > w.n {
			w.seen, w.n = append(w.seen, time.Now()), n
		}
		w.mu.Unlock()
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
	}
}

// times returns when error frames were seen, oldest first.
func (w *errorWatch) times() []time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.seen)
}

// count returns how many error frames were seen.
func (w *errorWatch) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// assertServed fails the test when a channel went longer than bound
// without an acknowledgement, when a send got an error frame other than
// 503 or no answer within the fleet's SendTimeout, or, when still, when a
// member's connection ended (a rejoin asked for, or a reconnect).
func assertServed(t *testing.T, vs []verdict, bound time.Duration, still bool) {
	t.Helper()
	for _, v := range vs {
		if v.Quiet > bound {
			t.Errorf("%s: no message acknowledged for %s (%s to %s after the fault): want sends to succeed again within %s",
				v.Channel, ms(v.Quiet), ms(v.QuietFrom), ms(v.QuietTo), bound)
		}
		for code, n := range v.Stats.Errors {
			if code != 503 {
				t.Errorf("%s: %d error frames with code %d: a storage fault must be answered 503 (try again)", v.Channel, n, code)
			}
		}
		if v.Stats.Hangs > 0 {
			t.Errorf("%s: %d sends had neither echo nor error frame within the fleet's SendTimeout", v.Channel, v.Stats.Hangs)
		}
		if v.Stats.Abandoned > 0 || v.Stats.SessionsLost > 0 {
			t.Errorf("%s: %d messages never acknowledged after the senders stopped, %d access keys refused", v.Channel, v.Stats.Abandoned, v.Stats.SessionsLost)
		}
		if still && v.Stats.Reconnects+v.Stats.Resets > 0 {
			t.Errorf("%s: %d reconnects (close codes %s), %d rejoins reset: the fault must be invisible to members but for 503s",
				v.Channel, v.Stats.Reconnects, codes(v.Stats.CloseCodes), v.Stats.Resets)
		}
	}
}
