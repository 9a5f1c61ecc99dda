// Command local is the local emulator: the whole chat in one process on
// 127.0.0.1:5555, against the Redis named by REDIS_URL or REDIS_ADDRESS (or
// the cluster REDIS_CLUSTER_ADDRESSES names), or
// an embedded Redis-compatible server when none is named.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/client"
	"github.com/redischat/chat/internal/app"
	"github.com/redischat/chat/internal/embedredis"
)

// defaultAddr is where the emulator listens unless SERVER_ADDRESS or PORT
// says otherwise.
const defaultAddr = "127.0.0.1:5555"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "chat local:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, logOut io.Writer) error {
	cfg, err := chatcore.LoadConfig()
	if err != nil {
		return err
	}
	localLimits(&cfg)
	log := chatcore.NewLogger(logOut, cfg)
	redis.SetLogger(chatcore.RedisLogger{Log: log})
	data := "Redis at " + cfg.RedisName() + " (kept by that Redis)"
	if !cfg.RedisConfigured() {
		mr, err := embedredis.Start()
		if err != nil {
			return fmt.Errorf("start embedded Redis: %w", err)
		}
		defer mr.Close()
		cfg.RedisAddress = mr.Addr()
		data = "in this process's memory (no REDIS_URL, REDIS_ADDRESS or REDIS_CLUSTER_ADDRESSES set): lost on exit"
	}
	a, err := app.Start(ctx, cfg, log, client.FS, cfg.ListenAddress(defaultAddr))
	if err != nil {
		return err
	}
	log.Info("chat is running: open it in a browser", "url", "http://"+a.Addr()+"/", "data", data)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	return a.Shutdown(sctx)
}

// localLimits gives the single-person emulator its defaults of the
// per-address limits, unless set: the client address is the socket's peer
// (no proxy appends to X-Forwarded-For here), and loopback, where the
// browser and the load tool run, is exempt.
func localLimits(cfg *chatcore.Config) {
	if _, set := os.LookupEnv("TRUSTED_PROXY_HOPS"); !set {
		cfg.TrustedProxyHops = 0
	}
	if _, set := os.LookupEnv("LIMIT_EXEMPT_NETWORKS"); !set {
		cfg.LimitExemptNetworks = "127.0.0.0/8,::1/128"
	}
}
