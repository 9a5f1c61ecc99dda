package functions

import (
	"context"
	"errors"

	"github.com/redischat/chat/chatcore"
)

// channelMessage stores a message in the general channel or the private
// channel with recipientUUID and publishes it to every connection joined to
// it, on every instance. It has no reply of its own on a websocket: the
// sender's connection gets the message like everyone else. A retried
// clientID stores and sends nothing: a connection joined to the channel has
// the first copy already or gets it live, and one that joins gets it in the
// history. Over HTTP the answer is the stored message.
func channelMessage(ctx context.Context, c *Call) error {
	var p struct {
		channelRef
		Message  string `json:"message"`
		ClientID string `json:"clientID"`
	}
	if err := c.Decode(&p); err != nil {
		return err
	}
	u, err := c.User()
	if err != nil {
		return err
	}
	store := c.Node.Store()
	if err := store.AllowMessage(ctx, c.Address(), u.UUID); err != nil {
		return err
	}
	ch, recipient, err := store.ChannelFor(ctx, u, p.RecipientUUID)
	if err != nil {
		return err
	}
	sent, err := store.Send(ctx, u, ch, recipient, p.Message, p.ClientID)
	var notifyErr *chatcore.NotifyError
	if errors.As(err, &notifyErr) {
		c.Log.Warn("message sent, notification failed", "channel", ch.ID, "err", err)
	} else if err != nil {
		return err
	}
	if !c.Session.Stateless() {
		// The sender gets its own message before its next request is
		// handled, even when that request leaves the channel.
		c.Session.AwaitDelivery(ctx, ch, sent.Offset)
		return nil
	}
	return c.Reply("channelMessage", sent.JSON)
}
