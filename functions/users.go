package functions

import (
	"context"

	"github.com/redischat/chat/chatcore"
)

// users lists users, online first, at most USERS_LIMIT.
func users(ctx context.Context, c *Call) error {
	if err := c.DecodeOptional(&struct{}{}); err != nil {
		return err
	}
	list, total, err := c.Node.Store().Users(ctx, c.Node.Config().UsersLimit)
	if err != nil {
		return err
	}
	if list == nil {
		list = []chatcore.User{}
	}
	return c.Reply("users", map[string]any{"total": total, "received": len(list), "users": list})
}
