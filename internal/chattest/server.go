package chattest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/client"
	"github.com/redischat/chat/internal/app"
)

// Start starts a server for cfg on a free port of 127.0.0.1, serving the
// browser client and logging at cfg.LogLevel to the test's log, and shuts it
// down when the test ends.
func Start(t testing.TB, cfg chatcore.Config) *app.App {
	t.Helper()
	level, _ := chatcore.ParseLogLevel(cfg.LogLevel)
	a, err := app.Start(context.Background(), cfg, leveledLogger(t, level), client.FS, "127.0.0.1:0")
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Shutdown(ctx)
	})
	return a
}

// Logger returns a logger that writes everything to the test's log.
func Logger(t testing.TB) *slog.Logger { return leveledLogger(t, slog.LevelDebug) }

func leveledLogger(t testing.TB, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: level}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p[:len(p)-1]))
	return len(p), nil
}
