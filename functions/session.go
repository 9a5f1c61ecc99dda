package functions

import (
	"context"
	"net/netip"

	"github.com/redischat/chat/chatcore"
)

// Session is what a handler acts through: a websocket connection, or one
// HTTP function call, which has no connection to join or push to.
type Session interface {
	// User returns the signed-in user.
	User() (chatcore.User, bool)
	// SignIn makes the session act as u, signed in with accessKey.
	SignIn(ctx context.Context, u chatcore.User, accessKey string) error
	// SignOut ends the sign-in and returns its user and access key.
	SignOut(ctx context.Context) (chatcore.User, string, bool)
	// Join joins ch; load queues the reply and returns the channel's position.
	Join(ctx context.Context, ch chatcore.Channel, load func(context.Context) (chatcore.Position, error)) error
	// AwaitDelivery returns once the session was sent its own message at
	// offset of ch (at once when it is not joined to ch).
	AwaitDelivery(ctx context.Context, ch chatcore.Channel, offset int64)
	// Leave leaves the joined channel.
	Leave(ctx context.Context) (chatcore.Channel, bool)
	// ShowUsers runs read, a read of a page of the users listing for the
	// client, which is from then on told of the changes of those users.
	ShowUsers(ctx context.Context, read func(context.Context) (chatcore.UserPage, error)) (chatcore.UserPage, error)
	// Reply queues a frame for the client.
	Reply(frame []byte)
	// Stateless is true for HTTP calls: what a connection would receive
	// as a push is the call's answer instead.
	Stateless() bool
}

// wsSession is a websocket connection as a Session, with the client
// address its upgrade came from.
type wsSession struct {
	*chatcore.Conn
	addr netip.Addr
}

func (wsSession) Stateless() bool { return false }

// httpSession is one HTTP function call as a Session: signed in by the
// access key it carries, answering with its first reply.
type httpSession struct {
	addr      netip.Addr
	user      chatcore.User
	signedIn  bool
	accessKey string
	reply     []byte
}

func (s *httpSession) User() (chatcore.User, bool) { return s.user, s.signedIn }

func (s *httpSession) SignIn(_ context.Context, u chatcore.User, key string) error {
	s.user, s.accessKey, s.signedIn = u, key, true
	return nil
}

func (s *httpSession) SignOut(context.Context) (chatcore.User, string, bool) {
	u, key, was := s.user, s.accessKey, s.signedIn
	s.user, s.accessKey, s.signedIn = chatcore.User{}, "", false
	return u, key, was
}

func (s *httpSession) Join(ctx context.Context, _ chatcore.Channel, load func(context.Context) (chatcore.Position, error)) error {
	_, err := load(ctx)
	return err
}

func (s *httpSession) AwaitDelivery(context.Context, chatcore.Channel, int64) {}

func (s *httpSession) Leave(context.Context) (chatcore.Channel, bool) {
	return chatcore.Channel{}, false
}

func (s *httpSession) ShowUsers(ctx context.Context, read func(context.Context) (chatcore.UserPage, error)) (chatcore.UserPage, error) {
	return read(ctx)
}

func (s *httpSession) Reply(frame []byte) {
	if s.reply == nil {
		s.reply = frame
	}
}

func (s *httpSession) Stateless() bool { return true }
