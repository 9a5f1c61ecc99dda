package functions

import "context"

// signIn signs the session in with a username and password or resumes with
// an access key. An unknown username is created, as in the original demo,
// when SIGNIN_CREATES_USERS is true and the request does not say
// "create": false; otherwise it fails as a wrong password does.
func signIn(ctx context.Context, c *Call) error {
	var p struct {
		credentials
		Create *bool `json:"create"`
	}
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
	create := c.Node.Config().SignInCreatesUsers && (p.Create == nil || *p.Create)
	u, err := store.SignInFrom(ctx, c.Address(), p.Username, p.Password, create)
	if err != nil {
		return err
	}
	return authorize(ctx, c, u, "")
}
