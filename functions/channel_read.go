package functions

import (
	"context"

	"github.com/redischat/chat/chatcore"
)

// channelRead stores how far the user has read a channel (recipientUUID
// "" is the general channel): the position moves forward only, up to the
// channel's last offset. The reply, and a push to the user's other
// connections on every instance, carry the stored position.
func channelRead(ctx context.Context, c *Call) error {
	var p struct {
		RecipientUUID *string `json:"recipientUUID"`
		Offset        *int64  `json:"offset"`
	}
	if err := c.Decode(&p); err != nil {
		return err
	}
	if p.RecipientUUID == nil {
		return chatcore.Errorf(chatcore.CodeInvalid, "recipientUUID is required (\"\" for the general channel)")
	}
	if p.Offset == nil || *p.Offset < 0 {
		return chatcore.Errorf(chatcore.CodeInvalid, "offset must be a number, 0 or more")
	}
	u, err := c.User()
	if err != nil {
		return err
	}
	store := c.Node.Store()
	ch, _, err := store.ChannelFor(ctx, u, *p.RecipientUUID)
	if err != nil {
		return err
	}
	var session string
	if s, ok := c.Session.(interface{ SessionID() string }); ok {
		session = s.SessionID() // this connection has the reply
	}
	stored, err := store.MarkRead(ctx, u, ch, *p.RecipientUUID, *p.Offset, session)
	if err != nil {
		return err
	}
	return c.Reply("channelRead", map[string]any{"recipientUUID": *p.RecipientUUID, "offset": stored})
}
