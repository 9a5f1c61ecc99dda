package functions

import "context"

// signIn signs the session in with a username and password (an unknown
// username is created, as in the original demo) or resumes with an access
// key.
func signIn(ctx context.Context, c *Call) error {
	var p credentials
	if err := c.Decode(&p); err != nil {
		return err
	}
	store := c.Node.Store()
	if p.AccessKey != "" {
		u, err := store.Resume(ctx, p.AccessKey)
		if err != nil {
			return err
		}
		return authorize(ctx, c, u, p.AccessKey)
	}
	u, err := store.SignIn(ctx, p.Username, p.Password)
	if err != nil {
		return err
	}
	return authorize(ctx, c, u, "")
}
