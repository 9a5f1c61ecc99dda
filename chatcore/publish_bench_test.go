package chatcore_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/redischat/chat/chatcore"
)

// BenchmarkSendReceive measures a message of General from Store.Send until
// a go-redis PubSub subscribed to the channel's topic on the same Redis has
// it (what an instance's bridge reads), against Store.Send alone on the
// same Redis. The send script publishes (SEND_REPLICAS=0), so BenchmarkSend
// includes the PUBLISH command but not the delivery to a subscriber; the
// difference of the two is that. One op is one message, sent after the
// previous one arrived: ns/op is the latency.
func BenchmarkSendReceive(b *testing.B) {
	b.Run("send", func(b *testing.B) {
		store, _, _ := benchStore(b)
		u := benchUser(b, store)
		ctx := context.Background()
		b.ResetTimer()
		for i := range b.N {
			if _, err := store.Send(ctx, u, chatcore.General(), nil, fmt.Sprint(benchText, i), ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("send+receive", func(b *testing.B) {
		store, rdb, cfg := benchStore(b)
		u := benchUser(b, store)
		ctx := context.Background()
		ps := rdb.Subscribe(ctx, chatcore.NewKeys(cfg.KeyPrefix).ChannelTopic(chatcore.GeneralID))
		defer ps.Close()
		if _, err := ps.Receive(ctx); err != nil { // the subscription's confirmation
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := range b.N {
			sent, err := store.Send(ctx, u, chatcore.General(), nil, fmt.Sprint(benchText, i), "")
			if err != nil {
				b.Fatal(err)
			}
			msg, err := ps.ReceiveMessage(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if !strings.HasPrefix(msg.Payload, strconv.FormatInt(sent.Offset, 10)+",") {
				b.Fatalf("received %.40q, want offset %d", msg.Payload, sent.Offset)
			}
		}
	})
}
