package chatcore_test

import (
	"context"
	"testing"
	"time"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
)

// TestIdleBridgeStaysConnected: a quiet pub/sub connection is checked with
// PINGs, which must not be taken for a dead connection.
func TestIdleBridgeStaysConnected(t *testing.T) {
	cfg := chattest.Config(t)
	rdb := chattest.Client(t, cfg)
	n, err := chatcore.New(cfg, rdb, chattest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	chatcore.SetBridgePing(n, 100*time.Millisecond)
	ctx := context.Background()
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer n.Shutdown(ctx)
	time.Sleep(700 * time.Millisecond) // what is tested is that nothing happens while idle
	if got := n.Metrics().PubSubReconnects.Load(); got != 0 {
		t.Fatalf("an idle bridge reconnected %d times", got)
	}
	if n.Topics() != 2 {
		t.Fatalf("topics = %d, want the broadcast topic and the instance's own", n.Topics())
	}
}
