package functions

import "context"

// typing tells the other members of a channel that the user is typing.
// Nothing is stored; under load these pushes are the first dropped.
func typing(ctx context.Context, c *Call) error {
	var p channelRef
	if err := c.DecodeOptional(&p); err != nil {
		return err
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
	if err := store.Typing(ctx, ch, u); err != nil {
		return err
	}
	if c.Session.Stateless() {
		return c.Reply("typing", p)
	}
	return nil
}
