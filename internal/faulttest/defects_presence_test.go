package faulttest

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redischat/chat/chatcore"
)

// The regression test of defect 5 of issue 7; probe_test.go has the bare
// protocol client (probeConn) it and defects_test.go use.

// TestPresenceAndNotifyAfterPubSubGap (defect 5): an observer is signed in
// on instance A while A's pub/sub connection is down (cut, and held by A's
// proxy as it subscribes again). Meanwhile on instance B users sign in,
// sign out and leave, and send private messages to the observer. Once A's
// connection is back, the observer's view of presence (the presence and
// presenceBatch pushes it was sent) must equal what users says, and it
// must have every notify it missed, each exactly once.
func TestPresenceAndNotifyAfterPubSubGap(t *testing.T) {
	rd := StartRedis(t, RedisOptions{})
	front := NewProxy(t, rd.Addr())
	cfgA := serverConfig(t, front.URL())
	cfgB := cfgA
	cfgB.RedisURL = rd.URL()
	servers := startServers(t, cfgA, cfgB)
	a, b := servers[0].URL(), servers[1].URL()

	obs := newObserver(t, a)
	want := map[string]bool{obs.user: true} // who is online, by user UUID
	names := map[string]string{obs.user: "observer"}
	online := func(name string) *probeConn {
		p := dialProbe(t, b)
		if _, err := p.signUp(name); err != nil {
			t.Fatal(err)
		}
		want[p.user], names[p.user] = true, name
		return p
	}
	var sent []string // UUIDs of the private messages to the observer
	say := func(p *probeConn, n int) {
		for i := range n {
			m, err := p.sayPrivate(obs.user, fmt.Sprintf("%s to observer %d", names[p.user], len(sent)+i))
			if err != nil {
				t.Fatal(err)
			}
			sent = append(sent, m.UUID)
		}
	}
	var p []*probeConn
	for i := range 6 {
		p = append(p, online(fmt.Sprint("p", i)))
	}
	offline := make([]authorizedPayload, 3) // signed up, never connected
	for i := range offline {
		offline[i] = httpSignUp(t, b, fmt.Sprint("q", i))
		want[offline[i].UserUUID], names[offline[i].UserUUID] = false, fmt.Sprint("q", i)
	}
	say(p[4], 2)
	if !obs.waitView(want, sent, 10*time.Second) {
		t.Fatalf("with the pub/sub link up, the observer's view is not users: %s", obs.diff(want, sent, names))
	}

	// The gap: A's pub/sub connection is cut and held as it subscribes again.
	held := front.HoldOn("subscribe")
	front.Cut()
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("instance A did not subscribe again within 10 s")
	}
	waitSubscribers(t, rd, chatcore.NewKeys(cfgA.KeyPrefix).BroadcastTopic(), 1, 10*time.Second) // B's only
	gap := time.Now()
	missed := len(sent)
	signOut := func(p *probeConn) {
		if _, err := p.request("signOut", map[string]any{}, "signOut"); err != nil {
			t.Fatal(err)
		}
		want[p.user] = false
	}
	signOut(p[0])
	signOut(p[1])
	_ = p[2].ws.Close() // its last connection gone: offline at once (PRESENCE_GRACE 0)
	want[p[2].user] = false
	signOut(p[3]) // which ends its access key: back with its password
	if _, err := p[3].authorize("signIn", map[string]string{"username": "p3", "password": "pw-p3"}); err != nil {
		t.Fatal(err)
	}
	want[p[3].user] = true
	var q []*probeConn
	for _, u := range offline[:2] {
		c := dialProbe(t, b)
		if _, err := c.signInKey(u.AccessKey); err != nil {
			t.Fatal(err)
		}
		want[c.user] = true
		q = append(q, c)
	}
	n := []*probeConn{online("n0"), online("n1"), online("n2")}
	signOut(n[2])
	say(p[4], 3)
	say(q[0], 3)
	say(n[0], 3)
	front.Resume()
	resumed := time.Now()
	// Sent as A subscribes again: their notifications may come both live
	// (held while A reads the log) and in the log; each must come once.
	say(n[1], 2)
	// Presence changes published in the gap: p0, p1, p2, q0, q1, n0, n1;
	// p3 and n2 twice each (p3 went and came back, n2 came and went).
	const changes = 11

	if !obs.waitView(want, sent, 15*time.Second) {
		t.Fatalf("15 s after A's pub/sub link came back, the observer's view is not users: %s", obs.diff(want, sent, names))
	}
	t.Logf("after a pub/sub gap of %s on the observer's instance (%d presence changes, %d private messages to the observer, 2 more as it ended), "+
		"its view of %d users and its notifications were complete %s after the link came back (%d presence and %d presenceBatch frames in all)",
		resumed.Sub(gap).Round(time.Millisecond), changes, len(sent)-missed-2, len(want), time.Since(resumed).Round(time.Millisecond), obs.pushes, obs.batches)

	// Whatever a catch-up sends comes before what is published after it.
	online("late")
	say(p[4], 1)
	if !obs.waitView(want, sent, 10*time.Second) {
		t.Fatalf("after the gap, the observer's view is not users: %s", obs.diff(want, sent, names))
	}
	f, err := obs.request("users", map[string]any{}, "users")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Users []presenceUser `json:"users"`
	}
	if err := json.Unmarshal(f.payload, &list); err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, u := range list.Users {
		listed[u.UUID] = u.OnLine
	}
	if !maps.Equal(listed, want) {
		t.Errorf("users lists %v, want %v", listed, want)
	}
	if d := obs.diff(listed, sent, names); d != "" {
		t.Errorf("the observer's view is not what users lists: %s", d)
	}
}

// presenceUser is a User as presence pushes and users replies carry it.
type presenceUser struct {
	UUID   string `json:"UUID"`
	OnLine bool   `json:"OnLine"`
}

// observer is a signed-in client that keeps what it was told: who is
// online (presence and presenceBatch pushes) and each notify by message.
type observer struct {
	*probeConn
	online   map[string]bool
	notified map[string]int // notify frames by message UUID
	pushes   int
	batches  int
}

func newObserver(t *testing.T, baseURL string) *observer {
	t.Helper()
	o := &observer{probeConn: dialProbe(t, baseURL), online: map[string]bool{}, notified: map[string]int{}}
	o.onFrame = o.apply
	if _, err := o.signUp("observer"); err != nil {
		t.Fatal(err)
	}
	o.online[o.user] = true // it knows it is signed in
	return o
}

func (o *observer) apply(f frame) {
	switch f.typ {
	case "sys":
		var sys struct {
			Type          string         `json:"type"`
			Presence      *presenceUser  `json:"presence"`
			PresenceBatch []presenceUser `json:"presenceBatch"`
		}
		_ = json.Unmarshal(f.payload, &sys)
		switch sys.Type {
		case "presence":
			o.pushes++
			if sys.Presence != nil {
				o.online[sys.Presence.UUID] = sys.Presence.OnLine
			}
		case "presenceBatch":
			o.batches++
			for _, u := range sys.PresenceBatch {
				o.online[u.UUID] = u.OnLine
			}
		}
	case "notify":
		var n struct {
			Message probeMessage `json:"message"`
		}
		_ = json.Unmarshal(f.payload, &n)
		o.notified[n.Message.UUID]++
	}
}

// diff says how the observer's view differs from want (online by user)
// and its notifications from one each of sent; "" when they do not.
func (o *observer) diff(want map[string]bool, sent []string, names map[string]string) string {
	var out []string
	for _, id := range slices.Sorted(maps.Keys(want)) {
		if o.online[id] != want[id] {
			out = append(out, fmt.Sprintf("%s shown online=%v, is online=%v", names[id], o.online[id], want[id]))
		}
	}
	for _, id := range sent {
		if o.notified[id] != 1 {
			out = append(out, fmt.Sprintf("message %s notified %d times", id, o.notified[id]))
		}
	}
	for id, k := range o.notified {
		if !slices.Contains(sent, id) {
			out = append(out, fmt.Sprintf("notify of unknown message %s (%d times)", id, k))
		}
	}
	return strings.Join(out, "; ")
}

// waitView takes frames until the observer's view is want and it has one
// notify of each of sent; false after d.
func (o *observer) waitView(want map[string]bool, sent []string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for o.diff(want, sent, nil) != "" {
		if _, err := o.next(time.Until(deadline)); err != nil {
			return false
		}
	}
	return true
}
