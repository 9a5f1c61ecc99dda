package functions

import "context"

// signOut ends the session's sign-in and revokes its access key. This
// connection stays open, signed out; every other connection signed in with
// the key, on any instance, is sent signOut and closed.
func signOut(ctx context.Context, c *Call) error {
	u, key, _ := c.Session.SignOut(ctx)
	if err := c.Node.Store().EndSessions(ctx, u.UUID, key); err != nil {
		return err
	}
	return c.Reply("signOut", map[string]string{"uuid": u.UUID})
}
