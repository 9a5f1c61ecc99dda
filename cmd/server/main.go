// Command server is the chat's container entry point: it reads the
// configuration from the environment, listens on $PORT and shuts down
// gracefully on SIGTERM (Cloud Run then allows 10 seconds).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/client"
	"github.com/redischat/chat/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "chat server:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, logOut io.Writer) error {
	cfg, err := chatcore.LoadConfig()
	if err != nil {
		return err
	}
	log := chatcore.NewLogger(logOut, cfg)
	redis.SetLogger(chatcore.RedisLogger{Log: log})
	if !cfg.RedisConfigured() {
		return fmt.Errorf("config: set REDIS_URL, REDIS_ADDRESS or REDIS_CLUSTER_ADDRESSES")
	}
	a, err := app.Start(ctx, cfg, log, client.FS, cfg.ListenAddress(":8080"))
	if err != nil {
		return err
	}
	log.Info("chat server listening", "addr", a.Addr(), "redis", cfg.RedisName())
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := a.Shutdown(sctx); errors.Is(err, context.DeadlineExceeded) {
		// What was still running after SHUTDOWN_TIMEOUT was cut: its clients
		// reconnect elsewhere, as after any deploy.
		log.Warn("shutdown timeout reached: cut what was left", "timeout", cfg.ShutdownTimeout.String())
	} else if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
