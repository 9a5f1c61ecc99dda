package scaletest

import "testing"

// signUpEveryone signs the six users up one after the other, each on its
// instance: every user signed in before, on every instance, is told that
// the new one came online, once.
func signUpEveryone(t *testing.T, w *World) *cast {
	t.Helper()
	spread := []struct {
		name string
		inst int
	}{{"ann", 0}, {"bob", 1}, {"cyd", 2}, {"dee", 0}, {"eli", 1}, {"fox", 2}}
	var all []*Client
	for _, u := range spread {
		c, told := w.SignUp(u.name, u.inst)
		requireTold(t, c.String()+" coming online", told, all...)
		if len(all) >= Instances {
			requireAcross(t, c.String()+" coming online", c, told)
		}
		all = append(all, c)
	}
	return &cast{ann: all[0], bob: all[1], cyd: all[2], dee: all[3], eli: all[4], fox: all[5], all: all}
}

// signOutShowsOffline: eli signs out on B; the others, on A, B and C, are
// told that he left general and went offline. Closing the signed-out
// socket then tells nobody anything.
func signOutShowsOffline(t *testing.T, w *World, cs *cast) {
	t.Helper()
	others := []*Client{cs.ann, cs.bob, cs.cyd, cs.dee, cs.fox}
	left, offline := w.SignOut(cs.eli)
	requireTold(t, "eli leaving general by signing out", left, others...)
	requireTold(t, "eli going offline by signing out", offline, others...)
	requireAcross(t, "eli going offline", cs.eli, offline)
	left, offline = w.Close(cs.eli)
	requireTold(t, "eli's signed-out socket closing (leave)", left)
	requireTold(t, "eli's signed-out socket closing (offline)", offline)
}
