package scaletest

import "testing"

// joinGeneral joins the six to the general channel one after the other:
// each join reply lists exactly those joined so far, online, and gives
// the same epoch on every instance; every member before, on every
// instance, is told of the join once.
func joinGeneral(t *testing.T, w *World, cs *cast) {
	t.Helper()
	epoch := ""
	for i, c := range cs.all {
		r, left, joined := w.Join(c, "", false)
		requireTold(t, c.String()+" leaving nothing", left)
		requireTold(t, c.String()+" joining general", joined, cs.all[:i]...)
		if i >= Instances {
			requireAcross(t, c.String()+" joining general", c, joined)
		}
		requireMembers(t, c, r, cs.all[:i+1]...)
		if len(r.Messages) != 0 || *r.Offset != 0 {
			t.Fatalf("%s: join of the new general channel: %d messages, offset %d", c, len(r.Messages), *r.Offset)
		}
		if epoch == "" {
			epoch = r.Epoch
		} else if r.Epoch != epoch {
			t.Fatalf("%s: general's epoch %q, %s was given %q", c, r.Epoch, cs.all[0], epoch)
		}
	}
}

// generalTraffic: the six send five messages each, all at once; every
// client, on every instance, receives all thirty, each once, at offsets 1
// to 30, the same message at each offset.
func generalTraffic(t *testing.T, w *World, cs *cast) {
	t.Helper()
	const rounds = 5
	ms, told := w.Converse(cs.all, rounds)
	requireTold(t, "the burst", told, cs.all...)
	if n := len(cs.all) * rounds; len(ms) != n || ms[0].Offset != 1 || ms[n-1].Offset != int64(n) {
		t.Fatalf("the burst is %d messages from offset %d, want %d from 1", len(ms), ms[0].Offset, n)
	}
	for _, c := range cs.all {
		s := c.Stream("")
		if s.base != 0 {
			t.Fatalf("%s: general from offset %d, want 0", c, s.base)
		}
		requireMessages(t, c.String()+"'s general", s.got, ms)
	}
}

// typingInGeneral: bob types on B; the five others, on A, B and C, get one
// typing push each, naming him in general; he gets none.
func typingInGeneral(t *testing.T, w *World, cs *cast) {
	t.Helper()
	told := w.Typing(cs.bob)
	requireTold(t, "bob typing", told, cs.ann, cs.cyd, cs.dee, cs.eli, cs.fox)
	requireAcross(t, "bob typing", cs.bob, told)
}
