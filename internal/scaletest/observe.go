package scaletest

import (
	"maps"
	"os"

	"github.com/redischat/chat/internal/chattest"
)

// observe checks one frame against what the client knows and files it:
// messages in their channel's stream, presence and member events in the
// subject's log, typing and notify pushes in their lists, replies in order
// for Reply. It fails the test on a frame that breaks the protocol's rules.
func (c *Client) observe(f chattest.Frame) {
	c.t.Helper()
	if traceOn {
		c.t.Logf("TRACE %s joined=%v %q: %s", c, c.joined, c.chName, f.Raw)
	}
	switch f.Type {
	case "channelMessage":
		var m message
		f.Payload(c.t, &m)
		ch := ""
		if m.RecipientUUID != "" {
			ch = channelID(m.SenderUUID, m.RecipientUUID)
		}
		// With a join in flight, the new channel's come after its reply.
		if !c.joined || ch != c.chID() {
			c.t.Fatalf("%s: a message of channel %q, not the one joined (%q): %s", c, ch, c.chID(), f.Raw)
		}
		c.receive(ch, m, "live")
	case "notify":
		var n notifyPush
		f.Payload(c.t, &n)
		ch := channelID(c.UUID, n.RecipientUUID)
		if n.RecipientUUID != n.Message.SenderUUID || n.Message.RecipientUUID != c.UUID {
			c.t.Fatalf("%s: notify %s: not a message to this user named by its sender", c, f.Raw)
		}
		if c.joined && c.chID() == ch {
			c.t.Fatalf("%s: notify of the channel it is joined to (the message comes as channelMessage): %s", c, f.Raw)
		}
		if s := c.streams[ch]; s != nil && n.Message.Offset > s.base && n.Message.Offset <= s.last {
			c.t.Fatalf("%s: notify of a message it received as channelMessage (never both): %s", c, f.Raw)
		}
		if err := c.led.check(ch, n.Message); err != nil {
			c.t.Fatalf("%s: notify: %v", c, err)
		}
		c.notify = append(c.notify, n)
	case "typing":
		var p typingPush
		f.Payload(c.t, &p)
		c.checkUser(p.User, f)
		if p.User.UUID == c.UUID || !c.joined || channelID(c.UUID, p.RecipientUUID) != c.chID() {
			c.t.Fatalf("%s: typing %s: of itself, or of a channel it is not in (%q)", c, f.Raw, c.chID())
		}
		c.typing = append(c.typing, p)
	case "sys":
		c.observeSys(f)
	case "channelJoin":
		c.joinReply(f)
		c.replies = append(c.replies, f)
	case "signOut":
		c.endSession()
		c.replies = append(c.replies, f)
	default: // replies; error frames are replies, refused by Reply
		c.replies = append(c.replies, f)
	}
}

func (c *Client) observeSys(f chattest.Frame) {
	c.t.Helper()
	var s sysPush
	f.Payload(c.t, &s)
	switch s.Type {
	case "signIn":
		c.replies = append(c.replies, f)
	case "presence", "presenceBatch":
		users := s.PresenceBatch
		if s.Presence != nil {
			users = append(users, *s.Presence)
		}
		if !c.signedIn || len(users) == 0 {
			c.t.Fatalf("%s: presence %s while not signed in, or of nobody", c, f.Raw)
		}
		for _, u := range users {
			if u.Username == c.Name {
				continue // of itself: it may come before authorized, or not at all
			}
			c.checkUser(u, f)
			c.file(evKey{presenceKind, u.UUID}, u.OnLine)
		}
	case "channelJoin", "channelLeave":
		ref := s.ChannelJoin
		if s.Type == "channelLeave" {
			ref = s.ChannelLeave
		}
		if ref == nil || s.User == nil || s.User.UUID != s.UserUUID {
			c.t.Fatalf("%s: sys %s without its channel or user: %s", c, s.Type, f.Raw)
		}
		c.member(ref.RecipientUUID, *s.User, s.Type == "channelJoin", f)
	case "channelMembers":
		m := s.ChannelMembers
		if m == nil {
			c.t.Fatalf("%s: channelMembers without payload: %s", c, f.Raw)
		}
		for _, u := range m.Joined {
			c.member(m.RecipientUUID, u, true, f)
		}
		for _, u := range m.Left {
			c.member(m.RecipientUUID, u, false, f)
		}
	default:
		c.t.Fatalf("%s: sys frame of an unknown type: %s", c, f.Raw)
	}
}

// member files a join or leave of u in the channel the client names name.
func (c *Client) member(name string, u user, joined bool, f chattest.Frame) {
	c.t.Helper()
	c.checkUser(u, f)
	ch := channelID(c.UUID, name)
	if u.UUID == c.UUID || !c.joined || ch != c.chID() {
		c.t.Fatalf("%s: told of a join or leave of itself, or of a channel it is not in (%q): %s", c, c.chID(), f.Raw)
	}
	c.file(evKey{ch, u.UUID}, joined)
}

func (c *Client) checkUser(u user, f chattest.Frame) {
	c.t.Helper()
	if name, ok := c.led.names[u.UUID]; !ok || name != u.Username {
		c.t.Fatalf("%s: a push naming user %+v, whose name is %q: %s", c, u, name, f.Raw)
	}
}

func (c *Client) file(k evKey, on bool) {
	l := c.logOf(k)
	l.entries = append(l.entries, on)
}

// logOf returns the log of k, a new one if none (a subject the ledger did
// not know when the window opened).
func (c *Client) logOf(k evKey) *evLog {
	l := c.logs[k]
	if l == nil {
		l = &evLog{}
		c.logs[k] = l
	}
	return l
}

// joinReply applies a channelJoin reply: the channel left, the stream of
// the channel joined (recovered messages received like live ones), and a
// new window of its members' events.
func (c *Client) joinReply(f chattest.Frame) {
	c.t.Helper()
	var r JoinReply
	f.Payload(c.t, &r)
	req := c.join
	if req == nil || r.RecipientUUID != req.name || r.Offset == nil || r.Epoch == "" {
		c.t.Fatalf("%s: channelJoin reply %s: not the one asked (%+v), or without offset and epoch", c, f.Raw, req)
	}
	c.join = nil
	if c.joined {
		c.endMembers()
	}
	c.joined, c.chName = true, req.name
	ch := c.chID()
	s := c.streams[ch]
	switch {
	case !req.since:
		if r.Recovered != nil {
			c.t.Fatalf("%s: a join without since answered recovered=%v", c, *r.Recovered)
		}
		s = &stream{epoch: r.Epoch, base: *r.Offset, last: *r.Offset}
		c.streams[ch] = s
		for i, m := range r.Messages { // the history: the latest, oldest first
			if want := *r.Offset - int64(len(r.Messages)-1-i); m.Offset != want {
				c.t.Fatalf("%s: history of %q: offset %d at %d, want %d", c, ch, m.Offset, i, want)
			}
			if err := c.led.check(ch, m); err != nil {
				c.t.Fatalf("%s: history: %v", c, err)
			}
		}
	case r.Recovered == nil || !*r.Recovered || r.Epoch != s.epoch:
		c.t.Fatalf("%s: join of %q since %d epoch %s: recovered %v, epoch %s", c, ch, s.last, s.epoch, r.Recovered, r.Epoch)
	default:
		for _, m := range r.Messages {
			c.receive(ch, m, "recovered")
		}
		if s.last != *r.Offset {
			c.t.Fatalf("%s: recovered up to %d, but the reply's offset is %d", c, s.last, *r.Offset)
		}
	}
	c.beginMembers()
}

// receive adds m to the stream of ch: it must be the next offset.
func (c *Client) receive(ch string, m message, how string) {
	c.t.Helper()
	s := c.streams[ch]
	if m.Offset != s.last+1 {
		c.t.Fatalf("%s: %s message at offset %d of channel %q after %d: a gap, a copy or out of order (%s)",
			c, how, m.Offset, ch, s.last, m.Message)
	}
	if err := c.led.check(ch, m); err != nil {
		c.t.Fatalf("%s: %v", c, err)
	}
	s.last++
	s.got = append(s.got, m)
}

// beginPresence opens a presence window: the socket is told of every
// change from now on.
func (c *Client) beginPresence() {
	c.signedIn = true
	c.openWindow(presenceKind)
}

// endPresence closes it: everything it was told must have been taken.
func (c *Client) endPresence() {
	c.t.Helper()
	c.checkWindow(presenceKind)
	c.signedIn = false
}

func (c *Client) beginMembers() { c.openWindow(c.chID()) }

func (c *Client) endMembers() {
	c.t.Helper()
	c.checkWindow(c.chID())
	c.joined = false
}

func (c *Client) openWindow(ch string) {
	maps.DeleteFunc(c.logs, func(k evKey, _ *evLog) bool { return k.ch == ch })
	for k, on := range c.led.state {
		if k.ch == ch {
			c.logs[k] = &evLog{start: on, known: true}
		}
	}
}

// checkWindow fails the test when the socket was told of an event about a
// subject of ch beyond those taken (an echo apart).
func (c *Client) checkWindow(ch string) {
	c.t.Helper()
	for k, l := range c.logs {
		if k.ch == ch && len(l.rest()) > 0 {
			c.t.Fatalf("%s: told of %s %v about %s (in %q) beyond the events that happened", c, word(l.rest()[0]), l.entries,
				c.led.names[k.subject], k.ch)
		}
	}
}

var traceOn = os.Getenv("SCALETEST_TRACE") != ""
