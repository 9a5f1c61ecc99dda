package functions

import (
	"context"

	"github.com/redischat/chat/chatcore"
)

// channelHistory answers a page of a channel's messages older than before
// (the latest when before is absent), oldest first.
func channelHistory(ctx context.Context, c *Call) error {
	var p struct {
		channelRef
		Before int64 `json:"before"`
		Limit  int   `json:"limit"`
	}
	if err := c.Decode(&p); err != nil {
		return err
	}
	if p.Before < 0 || p.Limit < 0 {
		return chatcore.Errorf(chatcore.CodeInvalid, "before and limit must not be negative")
	}
	u, err := c.User()
	if err != nil {
		return err
	}
	store := c.Node.Store()
	ch, _, err := store.ChannelFor(ctx, u, p.RecipientUUID)
	if err != nil {
		return err
	}
	limit := p.Limit
	if limit == 0 {
		limit = c.Node.Config().HistoryLimit
	}
	h, err := store.Page(ctx, ch, p.Before, limit)
	if err != nil {
		return err
	}
	return c.Reply("channelHistory", map[string]any{
		"recipientUUID": p.RecipientUUID,
		"messages":      nonNil(h.Messages),
		"hasMore":       h.HasMore,
	})
}
