package functions

import "context"

// signOut ends the session's sign-in and revokes its access key. A
// connection stays open, signed out.
func signOut(ctx context.Context, c *Call) error {
	u, key, _ := c.Session.SignOut(ctx)
	if err := c.Node.Store().RevokeAccessKey(ctx, key); err != nil {
		return err
	}
	return c.Reply("signOut", map[string]string{"uuid": u.UUID})
}
