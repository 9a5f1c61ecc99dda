package scaletest

import "testing"

// privateChannel: dee on A opens a private channel with fox on C, who stays
// in general and is notified of her message (once, not as a message); fox
// opens the channel and gets it as history, and they talk, each message
// reaching the other instance once, typing too. General goes on without
// them; they rejoin it with since and recover exactly what they missed.
// A message to either from cyd, outside their channel, is a notification
// while they are in it.
func privateChannel(t *testing.T, w *World, cs *cast) {
	t.Helper()
	dee, fox := cs.dee, cs.fox
	r, left, joined := w.Join(dee, fox.UUID, false)
	requireTold(t, "dee leaving general for a private channel", left, cs.ann, cs.bob, cs.cyd, cs.eli, fox)
	requireAcross(t, "dee leaving general", dee, left)
	requireTold(t, "dee joining the private channel fox is not in", joined)
	requireMembers(t, dee, r, dee, fox)
	if len(r.Messages) != 0 || *r.Offset != 0 {
		t.Fatalf("dee: join of the new private channel: %d messages, offset %d", len(r.Messages), *r.Offset)
	}
	missedByDee, _ := w.Converse([]*Client{cs.ann, cs.bob}, 2)

	hi := w.Send(dee)
	if hi.Offset != 1 || hi.RecipientUUID != fox.UUID || hi.SenderUUID != dee.UUID {
		t.Fatalf("dee's first private message is %+v, want offset 1 to fox", hi)
	}
	if len(fox.notify) != 1 || !fox.notify[0].Message.same(hi) || fox.notify[0].RecipientUUID != dee.UUID {
		t.Fatalf("fox's notifications %+v, want one naming dee with %+v", fox.notify, hi)
	}

	r, left, joined = w.Join(fox, dee.UUID, false)
	requireTold(t, "fox leaving general for the private channel", left, cs.ann, cs.bob, cs.cyd, cs.eli)
	requireTold(t, "fox joining the private channel", joined, dee)
	requireMembers(t, fox, r, dee, fox)
	requireMessages(t, "fox's private history", r.Messages, []message{hi})
	if *r.Offset != 1 || r.Epoch != dee.Stream(fox.UUID).epoch {
		t.Fatalf("fox: private channel at %d epoch %q; dee was given epoch %q", *r.Offset, r.Epoch, dee.Stream(fox.UUID).epoch)
	}
	missedByBoth, _ := w.Converse([]*Client{cs.cyd, cs.eli}, 1)

	talk := []message{hi, w.Send(fox)}
	requireTold(t, "fox typing to dee", w.Typing(fox), dee)
	talk = append(talk, w.Send(dee))
	requireMessages(t, "dee's private channel", dee.Stream(fox.UUID).got, talk)
	requireMessages(t, "fox's private channel", fox.Stream(dee.UUID).got, talk[1:])
	if len(fox.notify) != 1 || len(dee.notify) != 0 {
		t.Fatalf("notifications: fox %d, dee %d; want 1 and 0 (joined members get messages)", len(fox.notify), len(dee.notify))
	}

	// Before they leave, nothing of their channel may still be on its way
	// to them. A message's notification is published after the message (by
	// a second script; in a cluster, on another node), so it can reach the
	// recipient's instance after the recipient read the message and left
	// the channel, and the server, which looks at the channel the
	// connection is in when the notification arrives, delivers it too. The
	// senders' Sync has every notification of theirs published; one from
	// outside the channel, published after them to the same user, has them
	// arrived once it has.
	dee.Sync()
	fox.Sync()
	w.Notify(cs.cyd, dee)
	w.Notify(cs.cyd, fox)
	w.checkPushes() // exactly one notification more each, and no late one

	for _, back := range []struct {
		c      *Client
		missed []message
		told   []*Client // of the private channel's leave
	}{{dee, append(missedByDee, missedByBoth...), []*Client{fox}}, {fox, missedByBoth, nil}} {
		r, left, joined := w.Join(back.c, "", true)
		requireTold(t, back.c.String()+" leaving the private channel", left, back.told...)
		requireMessages(t, back.c.String()+" back in general since its last", r.Messages, back.missed)
		requireAcross(t, back.c.String()+" back in general", back.c, joined)
	}
}
