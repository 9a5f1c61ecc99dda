package chatcore

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// ParseLogLevel turns LOG_LEVEL into a slog level.
func ParseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.TrimSpace(s))); err != nil {
		return 0, fmt.Errorf("config: LOG_LEVEL: %q is not debug, info, warn or error", s)
	}
	return l, nil
}

// NewLogger returns the service's logger: on Cloud Run (K_SERVICE set) JSON
// lines whose "severity" and "message" keys Cloud Logging reads, elsewhere
// plain text.
func NewLogger(w io.Writer, cfg Config) *slog.Logger {
	level, _ := ParseLogLevel(cfg.LogLevel) // Validate has checked it
	if cfg.KService == "" {
		return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.LevelKey:
				a.Key = "severity"
				if l, ok := a.Value.Any().(slog.Level); ok && l == slog.LevelWarn {
					a.Value = slog.StringValue("WARNING") // Cloud Logging's name
				}
			case slog.MessageKey:
				a.Key = "message"
			case slog.TimeKey:
				a.Key = "time"
			}
			return a
		},
	}))
}

// RedisLogger routes go-redis's own log lines (dial failures, pool
// warnings) to log at warning level, so that on Cloud Run they are JSON with
// a severity like every other line. go-redis takes one process-wide logger:
// install it with redis.SetLogger once, from main.
type RedisLogger struct{ Log *slog.Logger }

// Printf implements go-redis's logging interface.
func (l RedisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.Log.WarnContext(ctx, "redis: "+strings.TrimSpace(fmt.Sprintf(format, v...)))
}
