package functions

import (
	"context"
	"encoding/json"

	"github.com/redischat/chat/chatcore"
)

type channelRef struct {
	RecipientUUID string `json:"recipientUUID"`
}

// channelJoin joins the general channel (empty recipientUUID) or the private
// channel with recipientUUID, leaving the previous one, and answers with the
// channel's members and history: the latest messages, or with since every
// message after that offset (recovered) when the server still has them in
// the same epoch. The reply names the channel's epoch and last offset: the
// position to rejoin from.
func channelJoin(ctx context.Context, c *Call) error {
	var p struct {
		channelRef
		Since *int64 `json:"since"`
		Epoch string `json:"epoch"`
	}
	if err := c.Decode(&p); err != nil {
		return err
	}
	if p.Since != nil && *p.Since < 0 {
		return chatcore.Errorf(chatcore.CodeInvalid, "since must not be negative")
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
	if len(p.Epoch) > 64 {
		return chatcore.Errorf(chatcore.CodeInvalid, "epoch is not one this server gave")
	}
	return c.Session.Join(ctx, ch, func(ctx context.Context) (chatcore.Position, error) {
		members, err := c.addMember(ctx, ch, u)
		if err != nil {
			return chatcore.Position{}, err
		}
		h, err := store.JoinHistory(ctx, ch, p.Since, p.Epoch)
		if err != nil {
			return chatcore.Position{}, err
		}
		reply := map[string]any{
			"recipientUUID": p.RecipientUUID,
			"messages":      nonNil(h.Messages),
			"users":         nonNilUsers(members.Users),
			"epoch":         h.Epoch,
			"offset":        h.Last,
		}
		if p.Since != nil {
			reply["recovered"] = h.Recovered
		}
		return chatcore.Position{Offset: h.Last, Epoch: h.Epoch}, c.Reply("channelJoin", reply)
	})
}

// addMember records u as a member of ch and reads the first page of its
// members; the general channel's is a page of the users listing that the
// client is from then on told of.
func (c *Call) addMember(ctx context.Context, ch chatcore.Channel, u chatcore.User) (chatcore.UserPage, error) {
	add := func(ctx context.Context) (chatcore.UserPage, error) { return c.Node.Store().AddMember(ctx, ch, u.UUID) }
	if ch.IsPrivate() {
		return add(ctx)
	}
	return c.Session.ShowUsers(ctx, add)
}

func nonNil(m []json.RawMessage) []json.RawMessage {
	if m == nil {
		return []json.RawMessage{}
	}
	return m
}

func nonNilUsers(u []chatcore.User) []chatcore.User {
	if u == nil {
		return []chatcore.User{}
	}
	return u
}
