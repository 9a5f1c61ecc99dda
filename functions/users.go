package functions

import (
	"context"

	"github.com/redischat/chat/chatcore"
)

// users lists users a page at a time, online users first, each part by
// name: at most limit (and USERS_LIMIT) after the cursor after; the reply's
// next is the cursor of the next page, absent at the end.
func users(ctx context.Context, c *Call) error {
	var p struct {
		Limit int    `json:"limit"`
		After string `json:"after"`
	}
	if err := c.DecodeOptional(&p); err != nil {
		return err
	}
	if p.Limit < 0 {
		return chatcore.Errorf(chatcore.CodeInvalid, "limit must not be negative")
	}
	limit := c.Node.Config().UsersLimit
	if p.Limit > 0 {
		limit = min(limit, p.Limit)
	}
	page, err := c.Session.ShowUsers(ctx, func(ctx context.Context) (chatcore.UserPage, error) {
		return c.Node.UsersPage(ctx, limit, p.After)
	})
	if err != nil {
		return err
	}
	list := page.Users
	if list == nil {
		list = []chatcore.User{}
	}
	reply := map[string]any{"total": page.Total, "received": len(list), "users": list}
	if page.Next != "" {
		reply["next"] = page.Next
	}
	return c.Reply("users", reply)
}
