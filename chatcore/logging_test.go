package chatcore

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
)

func TestCloudRunLogsAreJSONWithSeverity(t *testing.T) {
	var out bytes.Buffer
	cfg := DefaultConfig()
	cfg.KService = "chat"
	log := NewLogger(&out, cfg)
	log.Info("hello", "n", 1)
	RedisLogger{Log: log}.Printf(context.Background(), "pool.go:12: dial tcp %s: refused\n", "10.0.0.3:6379")
	dec := json.NewDecoder(&out)
	for _, want := range []struct{ severity, message string }{
		{"INFO", "hello"},
		{"WARNING", "redis: pool.go:12: dial tcp 10.0.0.3:6379: refused"},
	} {
		var line map[string]any
		if err := dec.Decode(&line); err != nil {
			t.Fatal(err)
		}
		if line["severity"] != want.severity || line["message"] != want.message {
			t.Errorf("line %v, want severity %s and message %q", line, want.severity, want.message)
		}
	}
}
