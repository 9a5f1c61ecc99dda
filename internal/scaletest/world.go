package scaletest

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// World is one conversation over a fleet: its clients and the ledger of
// what happened. Each step makes something happen and waits until every
// client that must be told of it has been, so that the next step starts
// from a settled chat.
type World struct {
	t       *testing.T
	fleet   *Fleet
	led     *ledger
	clients []*Client
	seq     int // messages sent, for clientIDs

	wantTyping map[*Client][]typingPush
	wantNotify map[*Client][]Sent
}

// Told is the clients that were told of an event.
type Told []*Client

func (t Told) String() string {
	names := make([]string, len(t))
	for i, c := range t {
		names[i] = c.String()
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}

// NewWorld returns a conversation over f with no client yet. When the test
// fails, it logs what each client was waiting for.
func NewWorld(t *testing.T, f *Fleet) *World {
	w := &World{t: t, fleet: f, led: newLedger(), wantTyping: map[*Client][]typingPush{}, wantNotify: map[*Client][]Sent{}}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, c := range w.clients {
			var pos []string
			for id, s := range c.streams {
				pos = append(pos, fmt.Sprintf("%q at %d (after %d)", id, s.last, s.base))
			}
			t.Logf("%s: waiting for %q; socket %v, signed in %v, joined %v %q; streams %s",
				c, c.waiting, c.ws != nil, c.signedIn, c.joined, c.chName, strings.Join(pos, ", "))
		}
	})
	return w
}

// NewClient adds a client named name with a socket to instance inst, not
// signed in.
func (w *World) NewClient(name string, inst int) *Client {
	w.t.Helper()
	c := &Client{Name: name, t: w.t, url: w.fleet.URL, led: w.led, streams: map[string]*stream{}}
	w.clients = append(w.clients, c)
	c.Dial(inst)
	return c
}

// SignUp adds a client that signs name up on instance inst, and waits
// until every other signed-in client is told that it came online.
func (w *World) SignUp(name string, inst int) (*Client, Told) {
	w.t.Helper()
	c := w.NewClient(name, inst)
	c.SignUp()
	return c, w.presence(c, true)
}

// Reconnect opens a new socket for c on instance inst and signs in with
// its access key; every other signed-in client is told it came online.
func (w *World) Reconnect(c *Client, inst int) Told {
	w.t.Helper()
	c.Dial(inst)
	c.SignInKey()
	return w.presence(c, true)
}

// Join joins c to the channel it names name (with since: from where it
// was) and waits for the members of the channel it left and of the one it
// joined to be told.
func (w *World) Join(c *Client, name string, since bool) (r JoinReply, left, joined Told) {
	w.t.Helper()
	return w.StartJoin(c, name, since)()
}

// StartJoin sends the join; the function it returns takes the reply and
// waits for the members to be told, as Join does.
func (w *World) StartJoin(c *Client, name string, since bool) func() (JoinReply, Told, Told) {
	w.t.Helper()
	old, was := c.chID(), c.joined
	c.StartJoin(name, since)
	return func() (r JoinReply, left, joined Told) {
		w.t.Helper()
		r = c.FinishJoin()
		if was && old == c.chID() {
			return r, nil, nil // joining again tells nobody
		}
		if was {
			left = w.member(old, c, false)
		}
		return r, left, w.member(c.chID(), c, true)
	}
}

// Close closes c's socket and waits for the members of its channel to be
// told it left and every signed-in client that it went offline.
func (w *World) Close(c *Client) (left, offline Told) {
	w.t.Helper()
	ch, joined, signedIn := c.chID(), c.joined, c.signedIn
	c.Close()
	return w.gone(c, ch, joined, signedIn)
}

// SignOut signs c's socket out, with the same effects as Close.
func (w *World) SignOut(c *Client) (left, offline Told) {
	w.t.Helper()
	ch, joined, signedIn := c.chID(), c.joined, c.signedIn
	c.SignOut()
	return w.gone(c, ch, joined, signedIn)
}

func (w *World) gone(c *Client, ch string, joined, signedIn bool) (left, offline Told) {
	w.t.Helper()
	if joined {
		left = w.member(ch, c, false)
	}
	if signedIn {
		offline = w.presence(c, false)
	}
	return left, offline
}

// presence records that c went online or offline and waits for every other
// signed-in client to be told.
func (w *World) presence(c *Client, on bool) Told {
	w.t.Helper()
	k := evKey{presenceKind, c.UUID}
	w.led.state[k] = on
	var told Told
	for _, o := range w.clients {
		if o != c && o.signedIn {
			o.AwaitEvent(k, on, fmt.Sprintf("%s shown %s", c, map[bool]string{true: "online", false: "offline"}[on]))
			told = append(told, o)
		}
	}
	return told
}

// member records that c joined or left channel ch and waits for every
// other client joined to ch to be told.
func (w *World) member(ch string, c *Client, joined bool) Told {
	w.t.Helper()
	k := evKey{ch, c.UUID}
	w.led.state[k] = joined
	var told Told
	for _, o := range w.clients {
		if o != c && o.joined && o.chID() == ch {
			o.AwaitEvent(k, joined, fmt.Sprintf("%s %s channel %q", c, map[bool]string{true: "joining", false: "leaving"}[joined], ch))
			told = append(told, o)
		}
	}
	return told
}

// Finish ends the conversation with two barriers: a message of the general
// channel from from, which every member waits for (whatever was published
// to the channel before it has arrived too), and the sign-up of one more
// user on instance inst, which every signed-in client is told of (so every
// presence change before it has arrived). Then nothing any client was told
// may be left over, and every stream must hold every message of its
// channel once.
func (w *World) Finish(from *Client, inst int) {
	w.t.Helper()
	w.Converse([]*Client{from}, 1)
	w.SignUp("last", inst)
	for _, c := range w.clients {
		if c.ws == nil {
			continue
		}
		if len(c.replies) > 0 {
			w.t.Fatalf("%s: a reply not taken: %s", c, c.replies[0].Raw)
		}
		if c.signedIn {
			c.checkWindow(presenceKind)
		}
		if c.joined {
			c.checkWindow(c.chID())
		}
	}
	w.checkPushes()
	for _, c := range w.clients {
		for ch, s := range c.streams {
			if int64(len(s.got)) != s.last-s.base {
				w.t.Fatalf("%s: %d messages of %q between offsets %d and %d", c, len(s.got), ch, s.base, s.last)
			}
			if c.joined && c.chID() == ch && s.last != w.led.top[ch] {
				w.t.Fatalf("%s: at offset %d of %q, the channel's last is %d", c, s.last, ch, w.led.top[ch])
			}
		}
	}
}
