package faulttest

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redischat/chat/chatcore"
)

// StreamEntry is one message as Redis keeps it in a channel's stream.
type StreamEntry struct {
	Offset   int64
	UUID     string
	ClientID string
}

// GeneralLog returns the key of the General channel's stream for the
// server configuration cfg.
func GeneralLog(cfg chatcore.Config) string {
	return chatcore.NewKeys(cfg.KeyPrefix).ChannelLog(chatcore.General().ID)
}

// ReadStream reads a channel's whole stream (XRANGE key - +), oldest
// first.
func ReadStream(t testing.TB, rdb *redis.Client, key string) []StreamEntry {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msgs, err := rdb.XRange(ctx, key, "-", "+").Result()
	if err != nil {
		t.Fatalf("XRANGE %s: %v", key, err)
	}
	out := make([]StreamEntry, 0, len(msgs))
	for _, m := range msgs {
		off, err := strconv.ParseInt(strings.TrimSuffix(m.ID, "-0"), 10, 64)
		if err != nil {
			t.Fatalf("stream %s: entry ID %q is not <offset>-0", key, m.ID)
		}
		var w wireMessage
		s, _ := m.Values["m"].(string)
		if err := json.Unmarshal([]byte(s), &w); err != nil {
			t.Fatalf("stream %s: entry %s: %v", key, m.ID, err)
		}
		out = append(out, StreamEntry{Offset: off, UUID: w.UUID, ClientID: w.ClientID})
	}
	return out
}

// StreamTop returns the last offset of stream, 0 when it is empty.
func StreamTop(stream []StreamEntry) int64 {
	if len(stream) == 0 {
		return 0
	}
	return stream[len(stream)-1].Offset
}
