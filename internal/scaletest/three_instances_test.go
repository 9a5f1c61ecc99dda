package scaletest

import (
	"slices"
	"testing"
	"time"
)

// TestThreeInstances runs one conversation over three server processes,
// on one Redis and on a Redis Cluster, with its six users two to an
// instance: ann and dee on A, bob and eli on B, cyd and fox on C.
func TestThreeInstances(t *testing.T) {
	for _, b := range []struct {
		name    string
		backend func(*testing.T) Backend
	}{{"single", SingleRedis}, {"cluster", RedisCluster}} {
		t.Run(b.name, func(t *testing.T) {
			began := time.Now()
			w := NewWorld(t, StartFleet(t, b.backend(t)))
			ready := time.Now()
			cs := signUpEveryone(t, w)
			joinGeneral(t, w, cs)
			generalTraffic(t, w, cs)
			typingInGeneral(t, w, cs)
			privateChannel(t, w, cs)
			reconnectRecovers(t, w, cs)
			moveInstance(t, w, cs)
			signOutShowsOffline(t, w, cs)
			w.Finish(cs.cyd, 1)
			t.Logf("%d messages in general over %s; setup %s, conversation %s", w.led.top[""], b.name,
				ready.Sub(began).Round(time.Millisecond), time.Since(ready).Round(time.Millisecond))
		})
	}
}

// cast is the six users of the conversation.
type cast struct {
	ann, bob, cyd, dee, eli, fox *Client
	all                          []*Client // in the order they signed up
}

// requireAcross fails unless what was told to a client on every instance
// but the subject's.
func requireAcross(t *testing.T, what string, subject *Client, told Told) {
	t.Helper()
	for i := range Instances {
		if i != subject.Inst && !slices.ContainsFunc(told, func(c *Client) bool { return c.Inst == i }) {
			t.Fatalf("%s was told to no client on instance %s (told: %s)", what, InstanceName(i), told)
		}
	}
}

// requireTold fails unless exactly want were told of what.
func requireTold(t *testing.T, what string, told Told, want ...*Client) {
	t.Helper()
	for _, c := range want {
		if len(told) != len(want) || !slices.Contains(told, c) {
			t.Fatalf("%s was told to %s, want %s", what, told, Told(want))
		}
	}
	if len(want) == 0 && len(told) > 0 {
		t.Fatalf("%s was told to %s, want nobody", what, told)
	}
}

// requireMembers fails unless the join reply r lists exactly want, online.
func requireMembers(t *testing.T, c *Client, r JoinReply, want ...*Client) {
	t.Helper()
	if len(r.Users) != len(want) {
		t.Fatalf("%s: join of %q lists %+v, want %s", c, r.RecipientUUID, r.Users, Told(want))
	}
	for _, m := range want {
		if !slices.ContainsFunc(r.Users, func(u user) bool { return u == user{UUID: m.UUID, Username: m.Name, OnLine: true} }) {
			t.Fatalf("%s: join of %q lists %+v, want %s online among them", c, r.RecipientUUID, r.Users, m)
		}
	}
}

// requireMessages fails unless got are exactly want.
func requireMessages(t *testing.T, what string, got, want []message) {
	t.Helper()
	if !slices.EqualFunc(got, want, message.same) {
		t.Fatalf("%s: %d messages %+v, want %d %+v", what, len(got), got, len(want), want)
	}
}
