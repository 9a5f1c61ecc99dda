package functions_test

import (
	"fmt"
	"testing"

	"github.com/redischat/chat/internal/chattest"
)

// TestNoNotifyOfAMessageSeenBeforeLeaving: a connection that was sent a
// private message, and leaves that channel at once, is not also notified
// of it (PROTOCOL.md: a message or its notification, never both). The
// notification is published by a script after the message's, so it may
// arrive after the leave; the connection knows it has the message.
func TestNoNotifyOfAMessageSeenBeforeLeaving(t *testing.T) {
	cfg := chattest.Config(t)
	unlimited(&cfg)
	a, b := chattest.Start(t, cfg), chattest.Start(t, cfg)
	dee := chattest.Dial(t, a.URL())
	deeAuth := dee.SignUp("dee")
	fox := chattest.Dial(t, b.URL())
	foxAuth := fox.SignUp("fox")
	join(t, fox, deeAuth.UserUUID)
	for i := range 30 {
		join(t, dee, foxAuth.UserUUID)
		seen := send(t, fox, deeAuth.UserUUID, fmt.Sprint("seen ", i))
		if m := msgOf(t, dee.Expect("channelMessage", noise...)); m.Offset != seen.Offset {
			t.Fatalf("dee got offset %d, want %d", m.Offset, seen.Offset)
		}
		join(t, dee, "") // leaves the private channel at once
		next := send(t, fox, deeAuth.UserUUID, fmt.Sprint("after ", i))
		var n struct {
			RecipientUUID string `json:"recipientUUID"`
			Message       message
		}
		dee.Expect("notify", noise...).Payload(t, &n)
		if n.Message.Offset != next.Offset {
			t.Fatalf("round %d: dee was notified of offset %d (%q), want only %d: she was sent %d before she left",
				i, n.Message.Offset, n.Message.Message, next.Offset, seen.Offset)
		}
	}
}
