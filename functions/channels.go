package functions

import "context"

// channels lists the general channel and the user's private channels,
// each with its last offset and message and the user's read position.
func channels(ctx context.Context, c *Call) error {
	if err := c.DecodeOptional(&struct{}{}); err != nil {
		return err
	}
	u, err := c.User()
	if err != nil {
		return err
	}
	list, err := c.Node.Store().Channels(ctx, u)
	if err != nil {
		return err
	}
	return c.Reply("channels", map[string]any{"channels": list})
}
