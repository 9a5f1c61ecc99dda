package functions

import (
	"context"

	"github.com/redischat/chat/chatcore"
)

type credentials struct {
	Username  string `json:"username"`
	Password  string `json:"password"`
	AccessKey string `json:"accessKey"`
}

// signUp creates a user and signs the session in as them.
func signUp(ctx context.Context, c *Call) error {
	var p credentials
	if err := c.Decode(&p); err != nil {
		return err
	}
	u, err := c.Node.Store().SignUpFrom(ctx, c.Address(), p.Username, p.Password)
	if err != nil {
		return err
	}
	return authorize(ctx, c, u, "")
}

// authorize signs the session in as u with accessKey, or a new key when it
// is empty, and sends the replies of a sign-in: authorized, then sys signIn.
func authorize(ctx context.Context, c *Call, u chatcore.User, accessKey string) error {
	store := c.Node.Store()
	fresh := accessKey == ""
	if fresh {
		var err error
		if accessKey, err = store.NewAccessKey(ctx, u.UUID); err != nil {
			return err
		}
	}
	if err := c.Session.SignIn(ctx, u, accessKey); err != nil {
		if fresh {
			_ = store.RevokeAccessKey(context.WithoutCancel(ctx), accessKey)
		}
		return err
	}
	if err := c.Reply("authorized", map[string]string{"userUUID": u.UUID, "accessKey": accessKey}); err != nil {
		return err
	}
	return c.Reply("sys", map[string]any{
		"type":   "signIn",
		"signIn": map[string]string{"uuid": u.UUID, "username": u.Username},
	})
}
