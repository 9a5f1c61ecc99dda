package faulttest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// Stats is the fleet's counters: every client's added up.
type Stats struct {
	ClientStats
	Latency
	Acked       int
	Clients     int
	StoredTwice []string // clientIDs acknowledged with two different messages
}

// Stats returns the fleet's counters.
func (f *Fleet) Stats() Stats {
	s := Stats{ClientStats: ClientStats{CloseCodes: map[int]int{}, Errors: map[int]int{}}}
	for _, c := range f.Clients() {
		s.Clients++
		s.ClientStats.add(c.Stats())
	}
	f.mu.Lock()
	s.Latency, s.Acked, s.StoredTwice = f.lat, len(f.order), slices.Clone(f.twice)
	f.mu.Unlock()
	return s
}

// add adds st's counters to s (whose maps must be made).
func (s *ClientStats) add(st ClientStats) {
	s.Received += st.Received
	s.Duplicates += st.Duplicates
	s.Conflicts += st.Conflicts
	s.Stale += st.Stale
	s.Gaps += st.Gaps
	s.Reconnects += st.Reconnects
	s.Resets += st.Resets
	s.SessionsLost += st.SessionsLost
	for k, v := range st.CloseCodes {
		s.CloseCodes[k] += v
	}
	for k, v := range st.Errors {
		s.Errors[k] += v
	}
}

// Add adds the counters of st (another fleet's) to s: sums, and the
// slowest of the slowest times.
func (s *Stats) Add(st Stats) {
	s.ClientStats.add(st.ClientStats)
	s.Clients += st.Clients
	s.Acked += st.Acked
	s.Sends += st.Sends
	s.Hangs += st.Hangs
	s.Abandoned += st.Abandoned
	s.MaxAck, s.MaxError = max(s.MaxAck, st.MaxAck), max(s.MaxError, st.MaxError)
	s.StoredTwice = append(s.StoredTwice, st.StoredTwice...)
}

// Summary is the fleet's counters in one line, for the test's log.
func (s Stats) Summary() string {
	return fmt.Sprintf("sends %d, duplicates %d, gaps %d, dropped as seen %d, reconnects %d, resets %d, sessions lost %d, "+
		"close codes %s, error frames %s, slowest echo %s, slowest error %s, hangs %d, abandoned %d",
		s.Sends, s.Duplicates, s.Gaps, s.Conflicts+s.Stale, s.Reconnects, s.Resets, s.SessionsLost,
		codes(s.CloseCodes), codes(s.Errors), s.MaxAck.Round(1e6), s.MaxError.Round(1e6), s.Hangs, s.Abandoned)
}

// Check asserts the ledger: every client has every acknowledged message
// from its first offset on, exactly once, at the offset its sender saw;
// offsets are contiguous up to the highest any client has; no client saw
// a duplicate, a gap or a message it would drop as seen; no two clients
// disagree on an offset; no message was stored twice for one clientID. It
// logs acknowledged against received.
func (f *Fleet) Check(t testing.TB) {
	t.Helper()
	f.CheckAcks(t, f.Acks())
}

// CheckAcks is Check for the given acknowledgements only (those since a
// point of the test, say).
func (f *Fleet) CheckAcks(t testing.TB, acks []Ack) {
	t.Helper()
	top := int64(0)
	for _, a := range acks {
		top = max(top, a.Offset)
	}
	for _, c := range f.Clients() {
		top = max(top, c.Last())
	}
	var received []string
	for _, c := range f.Clients() {
		first, view := c.View()
		n := 0
		var wrong []string
		for _, a := range acks {
			e, ok := view[a.Offset]
			switch {
			case ok && e.UUID == a.UUID:
				n++
			case ok:
				wrong = append(wrong, fmt.Sprintf("%d is %s, its sender saw %s", a.Offset, e.UUID, a.UUID))
			}
		}
		received = append(received, fmt.Sprint(n))
		if missing := missingOffsets(view, first, top); len(missing) > 0 {
			t.Errorf("%s lacks offsets %s of %d..%d", c.Name, ranges(missing), first, top)
		}
		if len(wrong) > 0 {
			t.Errorf("%s has other messages than acknowledged at %d offsets: %s", c.Name, len(wrong), strings.Join(wrong[:min(5, len(wrong))], "; "))
		}
	}
	f.CheckCounters(t)
	st := f.Stats()
	if len(st.StoredTwice) > 0 {
		t.Errorf("%d clientIDs were stored twice: %s", len(st.StoredTwice), strings.Join(st.StoredTwice[:min(5, len(st.StoredTwice))], "; "))
	}
	t.Logf("acknowledged %d, received by each of %d clients: %s (top offset %d)", len(acks), len(received), sameOrList(received), top)
	t.Logf("%s", st.Summary())
}

// CheckStream asserts that every client's view is exactly stream (what
// Redis keeps) from the client's first offset to the stream's end.
func (f *Fleet) CheckStream(t testing.TB, stream []StreamEntry) {
	t.Helper()
	want := make(map[int64]string, len(stream))
	top := int64(0)
	for _, e := range stream {
		want[e.Offset] = e.UUID
		top = max(top, e.Offset)
	}
	for _, c := range f.Clients() {
		first, view := c.View()
		var extra, other []int64
		for o, e := range view {
			switch w, ok := want[o]; {
			case !ok:
				extra = append(extra, o)
			case w != e.UUID:
				other = append(other, o)
			}
		}
		var lacking []int64
		for o := range want {
			if _, ok := view[o]; !ok && o >= first {
				lacking = append(lacking, o)
			}
		}
		if len(extra)+len(other)+len(lacking) > 0 {
			slices.Sort(extra)
			slices.Sort(other)
			slices.Sort(lacking)
			t.Errorf("%s's view (from %d) is not the stream (1..%d, %d entries): not in the stream %s; another message %s; lacking %s",
				c.Name, first, top, len(stream), ranges(extra), ranges(other), ranges(lacking))
		}
	}
}

// CheckCounters fails on what a client must never see: a duplicate, a
// message at an offset it already had or below its last one (a browser
// drops those as seen), a gap; and on two clients holding different
// messages at one offset.
func (f *Fleet) CheckCounters(t testing.TB) {
	t.Helper()
	for _, c := range f.Clients() {
		st := c.Stats()
		if st.Duplicates+st.Conflicts+st.Stale+st.Gaps > 0 {
			t.Errorf("%s: %d duplicates, %d messages at an offset it had (dropped as seen), %d late below its last offset, %d offsets skipped; notes: %s",
				c.Name, st.Duplicates, st.Conflicts, st.Stale, st.Gaps, strings.Join(c.Notes(), " | "))
		}
	}
	seen := map[int64]string{}
	by := map[int64]string{}
	for _, c := range f.Clients() {
		_, view := c.View()
		for o, e := range view {
			if u, ok := seen[o]; ok && u != e.UUID {
				t.Errorf("offset %d is %s for %s and %s for %s", o, u, by[o], e.UUID, c.Name)
				continue
			}
			seen[o], by[o] = e.UUID, c.Name
		}
	}
}

func missingOffsets(view map[int64]Entry, first, top int64) []int64 {
	var out []int64
	for o := first; o <= top; o++ {
		if _, ok := view[o]; !ok {
			out = append(out, o)
		}
	}
	return out
}

// ranges writes sorted offsets as "3-7, 9", or "none".
func ranges(offsets []int64) string {
	if len(offsets) == 0 {
		return "none"
	}
	var b strings.Builder
	for i := 0; i < len(offsets); {
		j := i
		for j+1 < len(offsets) && offsets[j+1] == offsets[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		if j > i {
			fmt.Fprintf(&b, "%d-%d", offsets[i], offsets[j])
		} else {
			fmt.Fprint(&b, offsets[i])
		}
		i = j + 1
	}
	return b.String()
}

// codes writes a count by code as "1012x3 503x12", or "none".
func codes(m map[int]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%dx%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

// sameOrList writes "N" when every value is N, else the list.
func sameOrList(vals []string) string {
	for _, v := range vals {
		if v != vals[0] {
			return strings.Join(vals, ", ")
		}
	}
	if len(vals) == 0 {
		return "none"
	}
	return vals[0]
}
