package chatcore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
	"github.com/redischat/chat/internal/faulttest"
)

// BenchmarkSend measures storing one message (the send script and, with
// SEND_REPLICAS=1, WAIT for the replica) on a primary with one replica,
// both redis-server processes of the benchmark. One op is one message; the
// sends are sequential, so ns/op is the latency a sender waits.
func BenchmarkSend(b *testing.B) {
	primary := faulttest.StartRedis(b, faulttest.RedisOptions{})
	replica := faulttest.StartRedis(b, faulttest.RedisOptions{})
	replica.ReplicaOf(primary.Addr())
	replica.WaitSynced(10 * time.Second)
	for _, replicas := range []int{0, 1} {
		b.Run(fmt.Sprintf("replicas=%d", replicas), func(b *testing.B) {
			cfg := chattest.Config(b)
			cfg.RedisURL = primary.URL()
			cfg.SendReplicas = replicas
			store := chatcore.NewStore(chattest.Client(b, cfg), cfg)
			ctx := context.Background()
			u, err := store.SignUp(ctx, "bench", "pw")
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				if _, err := store.Send(ctx, u, chatcore.General(), nil, fmt.Sprint("message ", i), ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
