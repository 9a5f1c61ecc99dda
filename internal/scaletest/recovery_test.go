package scaletest

import (
	"testing"
)

// reconnectRecovers: bob closes his socket on B; the others are told he
// left and went offline, and talk on. He reconnects to B with his access
// key and rejoins with since and epoch: the reply holds exactly the
// messages he missed, and the next one comes live, right after them.
func reconnectRecovers(t *testing.T, w *World, cs *cast) {
	t.Helper()
	bob := cs.bob
	others := []*Client{cs.ann, cs.cyd, cs.dee, cs.eli, cs.fox}
	left, offline := w.Close(bob)
	requireTold(t, "bob's socket closing (leave)", left, others...)
	requireTold(t, "bob's socket closing (offline)", offline, others...)
	requireAcross(t, "bob going offline", bob, offline)
	missed, _ := w.Converse([]*Client{cs.ann, cs.cyd, cs.fox}, 2)

	requireTold(t, "bob back online", w.Reconnect(bob, 1), others...)
	r, _, joined := w.Join(bob, "", true)
	requireTold(t, "bob back in general", joined, others...)
	requireMessages(t, "bob's rejoin since his last", r.Messages, missed)
	next := w.Send(cs.eli)
	if s := bob.Stream(""); s.last != next.Offset || !s.got[len(s.got)-1].same(next) {
		t.Fatalf("bob: after the rejoin, at offset %d, want eli's %d", s.last, next.Offset)
	}
}

// moveInstance: ann leaves A in the middle of a burst (she has read two of
// its messages), more are sent while she is away, and she comes back on C
// with her access key and since while a third burst is on its way, and
// talks on from there. Her view of general across both sockets is every
// offset from 1 to the last, once each: the recovered part and the live
// part meet without a gap or an overlap.
func moveInstance(t *testing.T, w *World, cs *cast) {
	t.Helper()
	ann := cs.ann
	s := ann.Stream("")
	from := s.last
	first := w.Burst([]*Client{cs.bob, cs.cyd}, 3)
	ann.Until("two messages of the burst", func() bool { return s.last >= from+2 })
	left, offline := w.Close(ann)
	onA := s.last - from
	requireAcross(t, "ann leaving general", ann, left)
	requireAcross(t, "ann going offline", ann, offline)
	w.Deliver("")
	w.Verify("", first)
	w.Converse([]*Client{cs.dee, cs.eli}, 3)

	online := w.Reconnect(ann, 2)
	requireAcross(t, "ann back online on C", ann, online)
	since, missed := s.last, w.led.top[""]-s.last
	finish := w.StartJoin(ann, "", true)
	third := w.Burst([]*Client{cs.bob, cs.fox}, 2)
	r, _, joined := finish()
	requireAcross(t, "ann back in general on C", ann, joined)
	w.Deliver("")
	w.Verify("", third)
	w.Converse([]*Client{cs.cyd, ann}, 2) // and the conversation goes on, ann in it from C
	top := w.led.top[""]
	if s.base != 0 || s.last != top || int64(len(s.got)) != top {
		t.Fatalf("ann: general from %d to %d with %d messages, want 1 to %d", s.base, s.last, len(s.got), top)
	}
	if int64(len(r.Messages)) < missed || r.Messages[0].Offset != since+1 {
		t.Fatalf("ann: rejoin since %d recovered %d messages from %d, want the %d she missed and any of the burst after", since,
			len(r.Messages), r.Messages[0].Offset, missed)
	}
	t.Logf("ann: %d of the first burst on A, then %d recovered on C and %d live", onA, len(r.Messages), top-since-int64(len(r.Messages)))
}
