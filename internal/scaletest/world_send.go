package scaletest

import (
	"fmt"
	"slices"
)

// Sent is a message a client sent: its clientID names it in the ledger.
type Sent struct {
	From     *Client
	ClientID string
	Text     string
}

// Burst has each sender send rounds messages to the channel it is joined
// to (the same for all), one from each in turn, without waiting for any,
// and returns them in the order sent.
func (w *World) Burst(senders []*Client, rounds int) []Sent {
	w.t.Helper()
	ch := senders[0].chID()
	var out []Sent
	for range rounds {
		for _, s := range senders {
			if !s.joined || s.chID() != ch {
				w.t.Fatalf("%s sends to %q without being joined to it", s, ch)
			}
			w.seq++
			m := Sent{From: s, ClientID: fmt.Sprintf("c%d", w.seq), Text: fmt.Sprintf("%s %d", s.Name, w.seq)}
			s.SendMessage(m.Text, m.ClientID)
			out = append(out, m)
			if ch != "" { // the other member is notified unless joined
				if o := w.byUUID(privateName(s.UUID, ch)); o != nil && o.signedIn && (!o.joined || o.chID() != ch) {
					w.wantNotify[o] = append(w.wantNotify[o], m)
				}
			}
		}
	}
	w.led.top[ch] += int64(len(out))
	return out
}

// Deliver waits until every client joined to ch has every message sent to
// it, and every client to be notified of one has been.
func (w *World) Deliver(ch string) Told {
	w.t.Helper()
	top := w.led.top[ch]
	var told Told
	for _, c := range w.clients {
		if !c.joined || c.chID() != ch {
			continue
		}
		s := c.streams[ch]
		c.Until(fmt.Sprintf("offset %d of %q", top, ch), func() bool { return s.last >= top })
		if s.last != top {
			w.t.Fatalf("%s: offset %d of %q, but %d messages were sent to it", c, s.last, ch, top)
		}
		told = append(told, c)
	}
	for c, want := range w.wantNotify {
		c.Until(fmt.Sprintf("%d notifications", len(want)), func() bool { return len(c.notify) >= len(want) })
	}
	return told
}

// Verify checks that the messages of batch, sent to ch, are its last
// len(batch) offsets, each once, those of one sender in the order sent,
// and returns them in offset order.
func (w *World) Verify(ch string, batch []Sent) []message {
	w.t.Helper()
	top := w.led.top[ch]
	first := top - int64(len(batch)) + 1
	at := map[*Client]int64{} // the offset of each sender's last message
	for _, m := range batch {
		got, ok := w.led.sent[ch][m.From.UUID+"/"+m.ClientID]
		switch {
		case !ok:
			w.t.Fatalf("%s's %s (%q) reached nobody", m.From, m.ClientID, m.Text)
		case got.Offset < first || got.Offset > top || got.Message != m.Text || got.SenderUUID != m.From.UUID:
			w.t.Fatalf("%s's %s stored as %+v, want %q at an offset from %d to %d", m.From, m.ClientID, got, m.Text, first, top)
		case got.Offset <= at[m.From]:
			w.t.Fatalf("%s's %s at offset %d, before its previous message at %d", m.From, m.ClientID, got.Offset, at[m.From])
		}
		at[m.From] = got.Offset
	}
	out := make([]message, 0, len(batch))
	for o := first; o <= top; o++ {
		out = append(out, w.led.msgs[ch][o])
	}
	return out
}

// Converse is Burst, Deliver and Verify: the messages in offset order, and
// who received them.
func (w *World) Converse(senders []*Client, rounds int) ([]message, Told) {
	w.t.Helper()
	batch := w.Burst(senders, rounds)
	told := w.Deliver(senders[0].chID())
	return w.Verify(senders[0].chID(), batch), told
}

// Send sends one message from c to the channel it is joined to, waits for
// every member to have it and returns it.
func (w *World) Send(c *Client) message {
	w.t.Helper()
	ms, _ := w.Converse([]*Client{c}, 1)
	return ms[0]
}

// Notify has from send a message to the private channel with to without
// joining it (nobody is: the channel has no member to deliver it to), and
// waits for to to be notified of it.
func (w *World) Notify(from, to *Client) message {
	w.t.Helper()
	ch := channelID(from.UUID, to.UUID)
	w.seq++
	m := Sent{From: from, ClientID: fmt.Sprintf("c%d", w.seq), Text: fmt.Sprintf("%s to %s %d", from.Name, to.Name, w.seq)}
	from.SendTo(to.UUID, m.Text, m.ClientID)
	w.led.top[ch]++
	w.wantNotify[to] = append(w.wantNotify[to], m)
	w.Deliver(ch)
	return w.Verify(ch, []Sent{m})[0]
}

// Typing has c say it types in its channel and waits for every other
// member to be told, once each; c is told nothing. (It cannot be ordered
// by a message sent after it: on a Redis Cluster the server's PUBLISH of a
// typing push, a join or a leave goes to any primary, while a message is
// published by the node that stores it.)
func (w *World) Typing(c *Client) Told {
	w.t.Helper()
	ch := c.chID()
	name := ""
	if ch != "" {
		name = c.UUID // the other member names the channel by c
	}
	c.SendTyping()
	var told Told
	for _, o := range w.clients {
		if o != c && o.joined && o.chID() == ch {
			want := append(w.wantTyping[o], typingPush{RecipientUUID: name, User: user{UUID: c.UUID, Username: c.Name}})
			w.wantTyping[o] = want
			o.Until(c.String()+" typing", func() bool { return len(o.typing) >= len(want) })
			told = append(told, o)
		}
	}
	w.checkPushes()
	return told
}

// checkPushes checks that every client with a socket was sent exactly the
// typing and notify pushes expected of it so far.
func (w *World) checkPushes() {
	w.t.Helper()
	for _, c := range w.clients {
		if c.ws == nil {
			continue
		}
		got := make([]typingPush, len(c.typing))
		for i, p := range c.typing {
			got[i] = typingPush{RecipientUUID: p.RecipientUUID, User: user{UUID: p.User.UUID, Username: p.User.Username}}
		}
		if want := w.wantTyping[c]; !slices.Equal(got, want) {
			w.t.Fatalf("%s: typing pushes %+v, want %+v", c, got, want)
		}
		want := w.wantNotify[c]
		if len(c.notify) != len(want) {
			w.t.Fatalf("%s: %d notifications, want %d: %+v", c, len(c.notify), len(want), c.notify)
		}
		for i, n := range c.notify {
			if m := want[i]; n.Message.ClientID != m.ClientID || n.Message.Message != m.Text || n.RecipientUUID != m.From.UUID {
				w.t.Fatalf("%s: notification %d is %+v, want %s's %s", c, i, n, m.From, m.ClientID)
			}
		}
	}
}

func (w *World) byUUID(id string) *Client {
	for _, c := range w.clients {
		if c.UUID == id {
			return c
		}
	}
	return nil
}
