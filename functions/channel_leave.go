package functions

import "context"

// channelLeave leaves the joined channel. Its payload is needed, as every
// payload the protocol defines fields for: the reply names its
// recipientUUID.
func channelLeave(ctx context.Context, c *Call) error {
	var p channelRef
	if err := c.Decode(&p); err != nil {
		return err
	}
	c.Session.Leave(ctx)
	return c.Reply("channelLeave", p)
}
