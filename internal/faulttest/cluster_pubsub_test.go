package faulttest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
)

// TestClusterPubSub: the chat's classic pub/sub (PUBLISH, SUBSCRIBE) works
// across a Redis Cluster. One subscription of a go-redis ClusterClient, on
// one node, gets what is published on every other node, primaries and
// replicas, and what the store's scripts publish on the primaries of their
// own slots: a message in General, presence, a private notification and a
// sign-out (issue 10).
func TestClusterPubSub(t *testing.T) {
	ctx := context.Background()
	c := StartCluster(t, ClusterOptions{Primaries: 3, Replicas: 1})
	cc := c.NewClient(nil)
	cfg := chattest.Config(t)
	keys := chatcore.NewKeys(cfg.KeyPrefix)
	store := chatcore.NewStore(cc, cfg)
	general := chatcore.General()
	alice, err := store.SignUp(ctx, "alice", "pw")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := store.SignUp(ctx, "bob", "pw")
	if err != nil {
		t.Fatal(err)
	}

	// go-redis subscribes on the primary of the first channel's slot: a
	// probe topic on another primary than General's, so that the send
	// script's PUBLISH crosses the cluster bus.
	generalOwner := c.SlotOwner(c.KeySlot(keys.ChannelTopic(general.ID)))
	probe := ""
	for i := 0; probe == "" && i < 100; i++ {
		if p := fmt.Sprintf("%sprobe:%d", cfg.KeyPrefix, i); c.SlotOwner(c.KeySlot(p)) != generalOwner {
			probe = p
		}
	}
	topics := []string{probe, keys.ChannelTopic(general.ID), keys.BroadcastTopic(), keys.UserTopic(bob.UUID)}
	ps := cc.Subscribe(ctx, topics...)
	t.Cleanup(func() { _ = ps.Close() })
	for range topics {
		if _, err := ps.ReceiveTimeout(ctx, 5*time.Second); err != nil {
			t.Fatalf("subscription not confirmed: %v", err)
		}
	}
	subNode := ""
	for _, addr := range c.Addrs() {
		if n := c.Admin(addr).PubSubNumSub(ctx, probe).Val()[probe]; n > 0 {
			subNode = addr
		}
	}
	if subNode == "" || subNode == generalOwner {
		t.Fatalf("subscribed on %q; General's topic is on %s\n%s", subNode, generalOwner, c.Describe())
	}
	t.Logf("subscribed on %s; General's slot on %s, presence's on %s, bob's on %s", subNode, generalOwner,
		c.SlotOwner(c.KeySlot(keys.PresenceOnline(chatcore.UserBucket(bob.UUID)))), c.SlotOwner(c.KeySlot(keys.UserNotifyLog(bob.UUID))))

	for _, addr := range c.Addrs() {
		if addr == subNode {
			continue
		}
		payload := "via " + addr
		if err := c.Admin(addr).Publish(ctx, probe, payload).Err(); err != nil {
			t.Fatalf("PUBLISH on %s: %v", addr, err)
		}
		expectMessage(t, ps, probe, payload)
	}

	if _, err := store.Send(ctx, alice, general, nil, "hello cluster", ""); err != nil {
		t.Fatal(err)
	}
	expectMessage(t, ps, keys.ChannelTopic(general.ID), "hello cluster")
	if _, err := store.SetOnline(ctx, "i1", bob); err != nil {
		t.Fatal(err)
	}
	expectMessage(t, ps, keys.BroadcastTopic(), bob.UUID)
	priv := chatcore.Private(alice.UUID, bob.UUID)
	if _, err := store.Send(ctx, alice, priv, &bob, "psst", ""); err != nil {
		t.Fatal(err)
	}
	expectMessage(t, ps, keys.UserTopic(bob.UUID), "psst")
	key, err := store.NewAccessKey(ctx, bob.UUID)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.EndSessions(ctx, bob.UUID, key); err != nil {
		t.Fatal(err)
	}
	expectMessage(t, ps, keys.UserTopic(bob.UUID), `"signOut"`)
}

// expectMessage waits for a message on channel whose payload contains
// want, passing over others.
func expectMessage(t *testing.T, ps *redis.PubSub, channel, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		msg, err := ps.ReceiveTimeout(context.Background(), time.Until(deadline))
		if err != nil {
			t.Fatalf("no message with %q on %s: %v", want, channel, err)
		}
		if m, ok := msg.(*redis.Message); ok && m.Channel == channel && strings.Contains(m.Payload, want) {
			return
		}
	}
}
