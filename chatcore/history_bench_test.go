package chatcore_test

import (
	"context"
	"testing"

	"github.com/redischat/chat/chatcore"
)

// BenchmarkJoinHistory measures the history read of a channelJoin of
// General (no since): HISTORY_LIMIT (50, the default) messages with 50
// stored. Sequential: ns/op is the latency of one read.
func BenchmarkJoinHistory(b *testing.B) {
	store, _, cfg := benchStore(b)
	u := benchUser(b, store)
	benchSend(b, store, u, chatcore.General(), 50)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		h, err := store.JoinHistory(ctx, chatcore.General(), nil, "")
		if err != nil {
			b.Fatal(err)
		}
		if len(h.Messages) != cfg.HistoryLimit {
			b.Fatalf("got %d messages, want %d", len(h.Messages), cfg.HistoryLimit)
		}
	}
}

// BenchmarkHistoryPage measures a channelHistory page of 50 messages before
// offset 151, with 200 stored (older ones remain: HasMore). Sequential.
func BenchmarkHistoryPage(b *testing.B) {
	store, _, _ := benchStore(b)
	u := benchUser(b, store)
	benchSend(b, store, u, chatcore.General(), 200)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		h, err := store.Page(ctx, chatcore.General(), 151, 50)
		if err != nil {
			b.Fatal(err)
		}
		if len(h.Messages) != 50 || !h.HasMore {
			b.Fatalf("got %d messages, more %v; want 50, true", len(h.Messages), h.HasMore)
		}
	}
}
