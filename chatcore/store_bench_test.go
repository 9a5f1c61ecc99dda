package chatcore_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
	"github.com/redischat/chat/internal/faulttest"
)

// benchStore returns a store on a real Redis under a key prefix of the
// benchmark's own (deleted when it ends), with the default limits and the
// lowest bcrypt cost: the Redis CHAT_TEST_REDIS_URL names or, without it, a
// redis-server of the benchmark's own (never the embedded server, whose
// figures would say nothing about Redis).
func benchStore(b *testing.B) (*chatcore.Store, redis.UniversalClient, chatcore.Config) {
	b.Helper()
	cfg := chattest.Config(b)
	if os.Getenv(chattest.RedisEnv) == "" {
		cfg.RedisURL = faulttest.StartRedis(b, faulttest.RedisOptions{}).URL()
	}
	rdb := chattest.Client(b, cfg)
	return chatcore.NewStore(rdb, cfg), rdb, cfg
}

// benchText is the text of a typical chat message.
const benchText = "hey, are we still on for the review at three? I pushed the fix"

// benchSend stores n messages from u in ch, as the server does.
func benchSend(b *testing.B, store *chatcore.Store, u chatcore.User, ch chatcore.Channel, n int) {
	b.Helper()
	ctx := context.Background()
	for i := range n {
		if _, err := store.Send(ctx, u, ch, nil, fmt.Sprintf("%s (%d)", benchText, i), fmt.Sprintf("c-%d", i)); err != nil {
			b.Fatal(err)
		}
	}
}

// benchUser signs up the sender of a benchmark's messages.
func benchUser(b *testing.B, store *chatcore.Store) chatcore.User {
	b.Helper()
	u, err := store.SignUp(context.Background(), "bench", "password")
	if err != nil {
		b.Fatal(err)
	}
	return u
}
