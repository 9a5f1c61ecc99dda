package chatcore_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redischat/chat/internal/chattest"
)

// TestReadPositionsBounded: the scripts that keep a user's read positions
// and index of private channels keep at most their bound (run here with a
// bound of 3 instead of the server's 1,000): a new channel's position
// takes the place of another's, the index keeps the most recent.
func TestReadPositionsBounded(t *testing.T) {
	cfg := chattest.Config(t)
	rdb := chattest.Client(t, cfg)
	ctx := t.Context()
	script := func(file string) *redis.Script {
		b, err := os.ReadFile("scripts/" + file)
		if err != nil {
			t.Fatal(err)
		}
		return redis.NewScript(string(b))
	}
	readSet, notify := script("read_set.lua"), script("notify.lua")

	reads, topic := cfg.KeyPrefix+"{user:u}:reads", cfg.KeyPrefix+"user:u:pub"
	for i := range 10 {
		got, err := readSet.Run(ctx, rdb, []string{reads}, fmt.Sprintf("peer%d", i), 5, 3, topic, "").Int64Slice()
		if err != nil || got[0] != 5 || got[1] != 1 {
			t.Fatalf("read_set peer%d: %v %v", i, got, err)
		}
	}
	if n := rdb.HLen(ctx, reads).Val(); n > 3 {
		t.Fatalf("%d read positions kept, bound 3", n)
	}
	if got, _ := readSet.Run(ctx, rdb, []string{reads}, "peer9", 4, 3, topic, "").Int64Slice(); got[0] != 5 || got[1] != 0 {
		t.Fatalf("read_set backwards = %v, want 5 unchanged", got)
	}

	log, index := cfg.KeyPrefix+"{user:u}:notify", cfg.KeyPrefix+"{user:u}:channels"
	for i := range 10 {
		if err := notify.Run(ctx, rdb, []string{log, index}, cfg.KeyPrefix+"user:u:pub", "ch", "frame",
			fmt.Sprintf("m%d", i), 200, 1000+i, fmt.Sprintf("peer%d", i), 3, i+1).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if got := rdb.ZRevRange(ctx, index, 0, -1).Val(); len(got) != 3 || got[0] != "peer9" || got[2] != "peer7" {
		t.Fatalf("channels index %v, want the 3 most recent: peer9..peer7", got)
	}
}
