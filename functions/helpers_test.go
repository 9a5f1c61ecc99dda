package functions_test

import (
	"testing"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
)

// message is the Message object as a client decodes it.
type message struct {
	Offset        int64
	UUID          string
	SenderUUID    string
	Sender        chatcore.User
	RecipientUUID string
	Recipient     chatcore.User // zero in the general channel
	Message       string
	CreatedAt     string
	ClientID      string
}

type joinReply struct {
	RecipientUUID string          `json:"recipientUUID"`
	Messages      []message       `json:"messages"`
	Users         []chatcore.User `json:"users"`
	Recovered     *bool           `json:"recovered"`
}

type historyReply struct {
	RecipientUUID string    `json:"recipientUUID"`
	Messages      []message `json:"messages"`
	HasMore       bool      `json:"hasMore"`
}

type sysPush struct {
	Type        string
	UserUUID    string
	User        chatcore.User
	ChannelJoin *struct {
		RecipientUUID string `json:"recipientUUID"`
	}
	ChannelLeave *struct {
		RecipientUUID string `json:"recipientUUID"`
	}
	Presence *chatcore.User
}

// noise are pushes a test may meet between the frames it waits for.
var noise = []string{"sys", "typing"}

func msgOf(t testing.TB, f chattest.Frame) message {
	t.Helper()
	var m message
	f.Payload(t, &m)
	return m
}

// join joins the channel with recipient ("" for general) and returns the reply.
func join(t testing.TB, c *chattest.WS, recipient string, since ...int64) joinReply {
	t.Helper()
	p := map[string]any{"recipientUUID": recipient}
	if len(since) > 0 {
		p["since"] = since[0]
	}
	c.Send("channelJoin", p)
	var r joinReply
	c.Expect("channelJoin", noise...).Payload(t, &r)
	return r
}

// send sends a message and waits for it to come back to the sender, which
// must be joined to the channel.
func send(t testing.TB, c *chattest.WS, recipient, text string) message {
	t.Helper()
	c.Send("channelMessage", map[string]any{"recipientUUID": recipient, "message": text})
	m := msgOf(t, c.Expect("channelMessage", noise...))
	if m.Message != text {
		t.Fatalf("got message %q back, want %q", m.Message, text)
	}
	return m
}

// expectSys returns the next sys push of type typ, skipping other pushes.
func expectSys(t testing.TB, c *chattest.WS, typ string) sysPush {
	t.Helper()
	for {
		var s sysPush
		c.Expect("sys", "typing").Payload(t, &s)
		if s.Type == typ {
			return s
		}
	}
}

func texts(ms []message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Message
	}
	return out
}

// expectPresence returns the next presence push about user, skipping others.
func expectPresence(t testing.TB, c *chattest.WS, user string) chatcore.User {
	t.Helper()
	for {
		for _, u := range presenceOf(t, c.Expect("sys", "typing")) {
			if u.UUID == user {
				return u
			}
		}
	}
}

// presenceOf returns the users a sys frame tells the presence of: one for
// a presence push, several for a presenceBatch, none for other sys frames.
func presenceOf(t testing.TB, f chattest.Frame) []chatcore.User {
	t.Helper()
	var s struct {
		Presence      *chatcore.User
		PresenceBatch []chatcore.User
	}
	f.Payload(t, &s)
	if s.Presence != nil {
		return append(s.PresenceBatch, *s.Presence)
	}
	return s.PresenceBatch
}

// unlimited lifts the per-connection rate limit, for tests that send fast.
func unlimited(cfg *chatcore.Config) { cfg.RateLimit, cfg.RateBurst = 1e9, 1e9 }

// noPresenceBeforeMessage reads c's frames up to the next channelMessage and
// fails if one of them is a presence push about user. Pub/sub keeps the
// order of an instance's one connection, so a message published after an
// event comes after every push that event caused.
func noPresenceBeforeMessage(t testing.TB, c *chattest.WS, user, what string) {
	t.Helper()
	for f := c.Next(); f.Type != "channelMessage"; f = c.Next() {
		var s sysPush
		if f.Type == "sys" {
			f.Payload(t, &s)
		}
		if s.Presence != nil && s.Presence.UUID == user {
			t.Fatalf("%s: %s", what, f.Raw)
		}
	}
}
