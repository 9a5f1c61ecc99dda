package functions

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/redischat/chat/chatcore"
)

// TestUnavailableLoggedSparingly: a 503 is logged, with its cause, but an
// outage that answers every request with 503 logs once per period.
func TestUnavailableLoggedSparingly(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	unavailableLogged.Store(0)
	for i := range 100 {
		cause := fmt.Errorf("read %d: %w", i, chatcore.ErrUnavailable)
		if code, _ := errorReply(log, "channelMessage", cause); code != chatcore.CodeUnavailable {
			t.Fatalf("code %d, want 503", code)
		}
	}
	if n := strings.Count(buf.String(), "answered 503"); n != 1 || !strings.Contains(buf.String(), "read 0") {
		t.Fatalf("%d lines for 100 answers within the period, want 1 naming the first cause:\n%s", n, buf.String())
	}
}
