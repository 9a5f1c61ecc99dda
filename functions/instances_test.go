package functions_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/redis/go-redis/v9"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
)

// TestTwoInstancesShareOneChat: two servers (two hubs, two bridges) on one
// Redis behave as one chat.
func TestTwoInstancesShareOneChat(t *testing.T) {
	cfg := chattest.Config(t)
	one, two := chattest.Start(t, cfg), chattest.Start(t, cfg)
	alice := chattest.Dial(t, one.URL())
	aliceID := alice.SignUp("alice").UserUUID
	bob := chattest.Dial(t, two.URL())
	bobID := bob.SignUp("bob").UserUUID
	if p := expectPresence(t, alice, bobID); !p.OnLine {
		t.Fatalf("alice on instance 1 sees bob offline")
	}
	join(t, alice, "")
	join(t, bob, "")

	var worst time.Duration
	for i := range 20 {
		start := time.Now()
		m := send(t, alice, "", fmt.Sprintf("hello %d", i))
		got := msgOf(t, bob.Expect("channelMessage", noise...))
		if d := time.Since(start); d > worst {
			worst = d
		}
		if got.UUID != m.UUID || got.Offset != int64(i+1) {
			t.Fatalf("bob on instance 2 got %+v, want %+v", got, m)
		}
	}
	t.Logf("instance 1 -> instance 2, send to receipt, slowest of 20: %s", worst)

	// Private messages and notifications cross instances too.
	bob.Send("channelMessage", map[string]any{"recipientUUID": aliceID, "message": "psst"})
	var n struct {
		RecipientUUID string  `json:"recipientUUID"`
		Message       message `json:"message"`
	}
	alice.Expect("notify", noise...).Payload(t, &n)
	if n.RecipientUUID != bobID || n.Message.Message != "psst" {
		t.Fatalf("notify = %+v", n)
	}
}

// TestPresenceExpiresWhenAnInstanceDies: the users of an instance that
// stops refreshing go offline by themselves, announced by another instance.
func TestPresenceExpiresWhenAnInstanceDies(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.PresenceRefresh = 100 * time.Millisecond
	cfg.PresenceTTL = 400 * time.Millisecond
	doomed, survivor := chattest.Start(t, cfg), chattest.Start(t, cfg)
	bob := chattest.Dial(t, survivor.URL())
	bob.SignUp("bob")
	alice := chattest.Dial(t, doomed.URL())
	aliceID := alice.SignUp("alice").UserUUID
	if p := expectPresence(t, bob, aliceID); !p.OnLine {
		t.Fatal("alice not online")
	}
	// Several refresh periods pass with alice staying online...
	start := time.Now()
	doomed.Node.Kill() // ...until her instance stops refreshing, as if it died.
	if p := expectPresence(t, bob, aliceID); p.OnLine {
		t.Fatal("want alice offline")
	}
	if d := time.Since(start); d < cfg.PresenceTTL-cfg.PresenceRefresh {
		t.Fatalf("alice went offline after %s, before her presence could expire", d)
	}
}

func TestGracefulShutdownSends1012(t *testing.T) {
	a := chattest.Start(t, chattest.Config(t))
	alice := chattest.Dial(t, a.URL())
	alice.SignUp("alice")
	join(t, alice, "")
	idle := chattest.Dial(t, a.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := a.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	for _, c := range []*chattest.WS{alice, idle} {
		if code := c.WaitClosed(); code != websocket.CloseServiceRestart {
			t.Fatalf("close code = %d, want 1012", code)
		}
	}
	t.Logf("shutdown with 2 websockets took %s", time.Since(start))
}

// TestPubSubReconnectLosesNothing: when the bridge's Redis connection
// drops, it reconnects, subscribes again and fetches from the store what
// was published meanwhile; clients get every message once, in order.
func TestPubSubReconnectLosesNothing(t *testing.T) {
	chattest.RequireRealRedis(t, "CLIENT KILL")
	cfg := chattest.Config(t)
	cfg.RedisClientName = "listener-" + strings.ReplaceAll(cfg.KeyPrefix, ":", "-")
	unlimited(&cfg)
	listenerSide := chattest.Start(t, cfg)
	cfg2 := cfg
	cfg2.RedisClientName = "sender"
	senderSide := chattest.Start(t, cfg2)

	bob := chattest.Dial(t, listenerSide.URL())
	bob.SignUp("bob")
	join(t, bob, "")
	alice := chattest.Dial(t, senderSide.URL())
	alice.SignUp("alice")
	join(t, alice, "")

	admin := chattest.Client(t, cfg)
	const total = 60
	for i := 1; i <= total; i++ {
		if i == 20 || i == 40 {
			killPubSub(t, admin, cfg.RedisClientName)
		}
		send(t, alice, "", fmt.Sprintf("m%d", i))
	}
	for i := 1; i <= total; i++ {
		if m := msgOf(t, bob.Expect("channelMessage", noise...)); m.Offset != int64(i) {
			t.Fatalf("bob got offset %d (%s), want %d: lost or reordered", m.Offset, m.Message, i)
		}
	}
	if n := listenerSide.Node.Metrics().PubSubReconnects.Load(); n != 2 {
		t.Fatalf("pub/sub reconnects = %d, want 2", n)
	}
}

// killPubSub kills the pub/sub connection of the server whose Redis client
// name is name (CLIENT KILL TYPE pubsub would hit the servers of other
// tests on this Redis). It waits for the connection to exist first: after
// an earlier kill, the server makes it again by itself.
func killPubSub(t *testing.T, admin redis.UniversalClient, name string) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(chattest.Wait)
	for {
		// On a cluster the connection is on one of the nodes: ask each.
		type found struct {
			node *redis.Client
			id   string
		}
		var mu sync.Mutex
		var conns []found
		err := forEachNode(ctx, admin, func(ctx context.Context, node *redis.Client) error {
			list, err := node.ClientList(ctx).Result()
			if err != nil {
				return err
			}
			for _, line := range strings.Split(list, "\n") {
				if strings.Contains(line, " name="+name+" ") && !strings.Contains(line, " sub=0 ") {
					mu.Lock()
					conns = append(conns, found{node, strings.TrimPrefix(strings.Fields(line)[0], "id=")})
					mu.Unlock()
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case len(conns) == 1:
			if err := conns[0].node.Do(ctx, "CLIENT", "KILL", "ID", conns[0].id).Err(); err != nil {
				t.Fatal(err)
			}
			return
		case len(conns) > 1:
			t.Fatalf("%d pub/sub connections named %s, want 1", len(conns), name)
		case time.Now().After(deadline):
			t.Fatalf("no pub/sub connection named %s within %s", name, chattest.Wait)
		}
		time.Sleep(10 * time.Millisecond) // polling CLIENT LIST: Redis has no event for it
	}
}

// forEachNode runs fn on the single Redis, or on every node of a cluster.
func forEachNode(ctx context.Context, rdb redis.UniversalClient, fn func(context.Context, *redis.Client) error) error {
	if c, ok := rdb.(*redis.ClusterClient); ok {
		return c.ForEachShard(ctx, fn)
	}
	return fn(ctx, rdb.(*redis.Client))
}

// TestDeployDoesNotFlickerPresence: when an instance shuts down, its users
// are not announced offline: they reconnect elsewhere at once.
func TestDeployDoesNotFlickerPresence(t *testing.T) {
	cfg := chattest.Config(t)
	old, next := chattest.Start(t, cfg), chattest.Start(t, cfg)
	bob := chattest.Dial(t, next.URL())
	bob.SignUp("bob")
	join(t, bob, "")
	alice := chattest.Dial(t, old.URL())
	auth := alice.SignUp("alice")
	if !expectPresence(t, bob, auth.UserUUID).OnLine {
		t.Fatal("alice not online")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := old.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if code := alice.WaitClosed(); code != websocket.CloseServiceRestart {
		t.Fatalf("close code %d, want 1012", code)
	}
	alice = chattest.Dial(t, next.URL())
	alice.SignInKey(auth.AccessKey)
	join(t, alice, "")
	send(t, alice, "", "back")
	noPresenceBeforeMessage(t, bob, auth.UserUUID, "bob saw alice's presence change during a deploy")
}

// TestChannelResetMakesClientsRejoin: when Redis comes back without a
// channel's data (no persistence), offsets start again at 1; connections
// that had seen higher ones are asked to reconnect, and rejoining shows the
// channel as it now is.
func TestChannelResetMakesClientsRejoin(t *testing.T) {
	chattest.RequireRealRedis(t, "CLIENT KILL")
	cfg := chattest.Config(t)
	cfg.RedisClientName = "reset-" + strings.ReplaceAll(cfg.KeyPrefix, ":", "-")
	a := chattest.Start(t, cfg)
	bob := chattest.Dial(t, a.URL())
	auth := bob.SignUp("bob")
	join(t, bob, "")
	for i := 1; i <= 3; i++ {
		send(t, bob, "", fmt.Sprintf("before %d", i))
	}
	admin := chattest.Client(t, cfg)
	keys := chatcore.NewKeys(cfg.KeyPrefix)
	if err := admin.Del(context.Background(), keys.ChannelSeq(chatcore.GeneralID), keys.ChannelLog(chatcore.GeneralID)).Err(); err != nil {
		t.Fatal(err)
	}
	killPubSub(t, admin, cfg.RedisClientName)
	if code := bob.WaitClosed(); code != websocket.CloseServiceRestart {
		t.Fatalf("close code %d, want 1012", code)
	}
	bob = chattest.Dial(t, a.URL())
	bob.SignInKey(auth.AccessKey)
	if r := join(t, bob, "", 3); r.Recovered == nil || *r.Recovered || len(r.Messages) != 0 {
		t.Fatalf("rejoin since 3 = %v recovered %v, want an empty channel, not recovered", texts(r.Messages), r.Recovered)
	}
	if m := send(t, bob, "", "after"); m.Offset != 1 {
		t.Fatalf("offset %d, want 1", m.Offset)
	}
}
