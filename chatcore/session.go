package chatcore

import (
	"context"
	"time"

	"github.com/gorilla/websocket"
)

// SignIn makes c act as u from now on, with the access key it signed in
// with. A connection signed in as someone else is signed out first.
func (c *Conn) SignIn(ctx context.Context, u User, accessKey string) error {
	c.mu.Lock()
	same := c.signedIn && c.user.UUID == u.UUID
	if same { // signing in again as oneself: no presence change
		c.accessKey = accessKey
	}
	c.mu.Unlock()
	if same {
		return nil
	}
	c.signOutLocal(ctx, true)
	if err := c.hub.attachUser(ctx, c, u); err != nil {
		return err
	}
	c.log.Debug("signed in", "user", u.UUID, "username", u.Username)
	c.mu.Lock()
	c.user, c.signedIn, c.accessKey = u, true, accessKey
	if c.signInDue != nil {
		c.signInDue.Stop()
		c.signInDue = nil
	}
	c.mu.Unlock()
	return nil
}

// SignOut leaves c's channel and signs it out. It returns the access key it
// was signed in with, for the caller to revoke, and false when it was not
// signed in.
func (c *Conn) SignOut(ctx context.Context) (User, string, bool) {
	return c.signOutLocal(ctx, true)
}

// signOutLocal signs c out. now is true for a deliberate sign-out, which
// shows the user offline at once when this was their last connection; a
// connection that just ended leaves them online for PRESENCE_GRACE, in case
// they come back.
func (c *Conn) signOutLocal(ctx context.Context, now bool) (User, string, bool) {
	c.leave(ctx)
	c.mu.Lock()
	u, key, was := c.user, c.accessKey, c.signedIn
	c.user, c.accessKey, c.signedIn = User{}, "", false
	if was && !c.closing {
		c.awaitSignInLocked()
	}
	c.mu.Unlock()
	if was {
		c.hub.detachUser(ctx, c, u.UUID, now)
	}
	return u, key, was
}

// endSession signs c out when it is signed in with the access key whose
// hash is revoked (signed out on another connection): it is sent frame, or
// its own signOut when frame is nil, and closed.
func (c *Conn) endSession(revoked string, frame *websocket.PreparedMessage) {
	c.mu.Lock()
	match := c.signedIn && c.accessKey != "" && hashKey(c.accessKey) == revoked
	u := c.user
	c.mu.Unlock()
	if !match {
		return
	}
	if frame == nil {
		b, _ := Frame("signOut", map[string]string{"uuid": u.UUID})
		frame = prepare(b)
	}
	c.push(outFrame{pm: frame})
	c.closeWith(websocket.CloseNormalClosure, "signed out")
}

// Position is a place in a channel's stream: an offset and the epoch it
// belongs to.
type Position struct {
	Offset int64
	Epoch  string
}

// joinConfirmWait is how long a join waits for Redis to confirm its
// channel's subscription before it reads the channel anyway (pub/sub may be
// down: the hub then catches up from the store once it is back).
const joinConfirmWait = time.Second

// Join makes c the member of ch, leaving its previous channel. load reads
// what the join reply needs, queues the reply with c.Reply and returns the
// channel's position at the time of its read. Live frames of ch that
// arrive before load returns are held and sent after the reply, each message
// once: those already in the reply (offset <= last) are dropped.
func (c *Conn) Join(ctx context.Context, ch Channel, load func(context.Context) (Position, error)) error {
	u, ok := c.User()
	if !ok {
		return ErrNotSignedIn
	}
	// Joining the channel it is in again (a client refreshing its view)
	// reads it again, but the member never left: the other members are
	// told nothing.
	c.mu.Lock()
	rejoin := c.joined && c.channel.ID == ch.ID
	c.mu.Unlock()
	c.leaveTelling(ctx, !rejoin)
	c.mu.Lock()
	c.channel, c.joined, c.joining, c.pending, c.lastOffset = ch, true, true, nil, 0
	c.mu.Unlock()
	c.hub.joinChannel(c, ch.ID)
	n := c.hub.node
	topic := n.keys.ChannelTopic(ch.ID)
	undo := func() {
		c.mu.Lock()
		c.joined, c.joining, c.pending = false, false, nil
		c.mu.Unlock()
		c.hub.leaveChannel(c, ch.ID)
		n.bridge.Unsubscribe(topic)
	}
	// Subscribe first, read after: nothing published in between is missed.
	ready := n.bridge.Subscribe(topic)
	wait := time.NewTimer(joinConfirmWait)
	select {
	case <-ready:
	case <-wait.C:
	case <-ctx.Done():
	}
	wait.Stop()
	confirmed := isClosed(ready)
	pos, err := load(ctx)
	if err != nil {
		undo()
		return err
	}
	if err := c.hub.syncChannel(ctx, ch.ID, syncRequest{last: pos.Offset, epoch: pos.Epoch, confirmed: confirmed}); err != nil {
		undo()
		return err
	}
	c.mu.Lock()
	c.joining = false
	c.lastOffset = pos.Offset
	ok = true
	for _, f := range c.pending {
		if f.offset > 0 {
			if f.offset <= c.lastOffset {
				continue
			}
			c.sentLocked(f.offset)
		}
		if ok = c.enqueueLocked(f); !ok {
			break
		}
	}
	c.pending = nil
	c.mu.Unlock()
	c.after(ok)
	if rejoin {
		return nil
	}
	if err := n.store.publish(ctx, ch.ID, header{skipUser: u.UUID, gather: !ch.IsPrivate()}, sysFrame("channelJoin", u, viewedBy(ch, u))); err != nil {
		c.log.Warn("publish channelJoin", "channel", ch.ID, "err", err)
	}
	return nil
}

// echoWait is how long a sender's handler waits for pub/sub to bring its
// own message before it has the hub catch the channel up from the store.
const echoWait = 250 * time.Millisecond

// AwaitDelivery returns once c has been sent the message at offset of ch,
// its own just stored, so that whatever the client asks next (leave, join
// another channel) it has its own message exactly once. It returns at once
// when c is not joined to ch. When pub/sub is slow it has the hub read the
// channel from the store; it gives up when ctx ends.
func (c *Conn) AwaitDelivery(ctx context.Context, ch Channel, offset int64) {
	c.mu.Lock()
	if c.closing || !c.joined || c.joining || c.channel.ID != ch.ID || c.lastOffset >= offset {
		c.mu.Unlock()
		return
	}
	done := make(chan struct{})
	c.waitFor, c.waitDone = offset, done
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		if c.waitDone == done {
			c.waitDone = nil
		}
		c.mu.Unlock()
	}()
	t := time.NewTimer(echoWait)
	defer t.Stop()
	select {
	case <-done:
		return
	case <-ctx.Done():
		return
	case <-t.C:
	}
	c.hub.node.metrics.EchoFallbacks.Add(1)
	c.hub.resyncChannel(ch.ID)
	select {
	case <-done:
	case <-ctx.Done():
		c.log.Warn("own message not delivered before the request ended", "channel", ch.ID, "offset", offset)
	}
}

// Leave leaves c's channel, telling its remaining members. It returns the
// channel left, and false when c had joined none.
func (c *Conn) Leave(ctx context.Context) (Channel, bool) { return c.leave(ctx) }

func (c *Conn) leave(ctx context.Context) (Channel, bool) { return c.leaveTelling(ctx, true) }

// leaveTelling leaves c's channel, telling its remaining members when tell
// is true.
func (c *Conn) leaveTelling(ctx context.Context, tell bool) (Channel, bool) {
	c.mu.Lock()
	ch, was, u := c.channel, c.joined, c.user
	if was {
		c.left, c.leftOffset = ch.ID, c.lastOffset
	}
	c.joined, c.joining, c.pending = false, false, nil
	c.mu.Unlock()
	if !was {
		return Channel{}, false
	}
	n := c.hub.node
	c.hub.leaveChannel(c, ch.ID)
	n.bridge.Unsubscribe(n.keys.ChannelTopic(ch.ID))
	if !tell {
		return ch, true
	}
	if err := n.store.publish(ctx, ch.ID, header{skipUser: u.UUID, gather: !ch.IsPrivate()}, sysFrame("channelLeave", u, viewedBy(ch, u))); err != nil {
		c.log.Warn("publish channelLeave", "channel", ch.ID, "err", err)
	}
	return ch, true
}

// viewedBy is the recipientUUID with which the other members of ch name it:
// empty for general, u's own UUID for a private channel.
func viewedBy(ch Channel, u User) string {
	if ch.IsPrivate() {
		return u.UUID
	}
	return ""
}

// Typing tells the other members of ch that u is typing. It is never
// stored, and dropped first under load.
func (s *Store) Typing(ctx context.Context, ch Channel, u User) error {
	return s.publish(ctx, ch.ID, header{skipUser: u.UUID, droppable: true}, typingFrame(u, viewedBy(ch, u)))
}
