package functions

import "context"

// channelLeave leaves the joined channel.
func channelLeave(ctx context.Context, c *Call) error {
	var p channelRef
	if err := c.DecodeOptional(&p); err != nil {
		return err
	}
	c.Session.Leave(ctx)
	return c.Reply("channelLeave", p)
}
