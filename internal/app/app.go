// Package app wires a chat server process: Redis client, chatcore node,
// functions server and the http.Server that carries them, with graceful
// shutdown. cmd/server and cmd/local are thin mains around it; tests start
// it on port 0.
package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/functions"
)

// App is a running server.
type App struct {
	Node      *chatcore.Node
	Redis     redis.UniversalClient
	cfg       chatcore.Config
	log       *slog.Logger
	srv       *http.Server
	ln        net.Listener
	served    chan error
	once      sync.Once
	redisOnce sync.Once
	redisErr  error
	// cancelRequests ends the contexts of every HTTP request and websocket
	// still running when a shutdown runs out of time.
	cancelRequests context.CancelFunc
}

// Start connects to the configured Redis, starts the node and serves on
// addr (port 0 picks a free one). client, when not nil, is served at /;
// CLIENT_DIR replaces it with a folder on disk.
func Start(ctx context.Context, cfg chatcore.Config, log *slog.Logger, client fs.FS, addr string) (*App, error) {
	rdb, err := chatcore.NewRedisClient(cfg)
	if err != nil {
		return nil, err
	}
	a, err := start(ctx, cfg, log, client, addr, rdb)
	if err != nil {
		_ = rdb.Close()
		return nil, err
	}
	return a, nil
}

func start(ctx context.Context, cfg chatcore.Config, log *slog.Logger, client fs.FS, addr string, rdb redis.UniversalClient) (a *App, err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// Redis down is waited for; Redis refusing us (a wrong password, a
	// bad database number) is a mistake in the configuration: say so now.
	if perr := checkRedis(ctx, cfg); perr != nil && !chatcore.Unavailable(perr) {
		return nil, fmt.Errorf("cannot reach Redis at %s: %w", cfg.RedisName(), perr)
	}
	node, err := chatcore.New(cfg, rdb, log)
	if err != nil {
		return nil, err
	}
	if err := node.Start(ctx); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil { // every goroutine Start launched ends with it
			_ = node.Shutdown(context.WithoutCancel(ctx))
		}
	}()
	var opts []functions.Option
	if cfg.ClientDir != "" {
		if _, err := os.Stat(cfg.ClientDir); err != nil {
			return nil, fmt.Errorf("config: CLIENT_DIR: %w", err)
		}
		client = os.DirFS(cfg.ClientDir)
	}
	if client != nil {
		opts = append(opts, functions.WithClient(client))
	}
	fsrv, err := functions.New(node, opts...)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	base, cancelBase := context.WithCancel(context.Background())
	a = &App{
		Node: node, Redis: rdb, cfg: cfg, log: log, ln: ln, served: make(chan error, 1),
		cancelRequests: cancelBase,
		srv: &http.Server{
			Handler:           fsrv,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       120 * time.Second,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
			BaseContext:       func(net.Listener) context.Context { return base },
		},
	}
	go func() { a.served <- a.srv.Serve(ln) }()
	a.watchRedis(base)
	return a, nil
}

// checkRedis pings Redis once, without retries and briefly, with the
// configured address (a cluster's first seed) and credentials: what it
// answers tells a wrong configuration from a Redis that is not up yet.
func checkRedis(ctx context.Context, cfg chatcore.Config) error {
	var opt *redis.Options
	if cfg.ClusterMode() {
		copt, err := cfg.RedisClusterOptions()
		if err != nil {
			return err
		}
		opt = &redis.Options{
			Addr: copt.Addrs[0], Username: copt.Username, Password: copt.Password,
			TLSConfig: copt.TLSConfig, ClientName: copt.ClientName,
		}
	} else {
		var err error
		if opt, err = cfg.RedisOptions(); err != nil {
			return err
		}
	}
	opt.MaxRetries, opt.DialTimeout, opt.PoolSize, opt.MinIdleConns = -1, 500*time.Millisecond, 1, 0
	c := redis.NewClient(opt)
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return c.Ping(ctx).Err()
}

// watchRedis logs, once per minute at most, while Redis cannot be reached
// at start, and once when it can: the server serves meanwhile (/health
// answers 503, requests 503) instead of exiting.
func (a *App) watchRedis(ctx context.Context) {
	go func() {
		const window = time.Minute
		var lastLog time.Time
		for attempt := 1; ; attempt++ {
			pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			err := a.Redis.Ping(pctx).Err()
			cancel()
			if err == nil {
				if attempt > 1 {
					a.log.Info("Redis reachable", "redis", a.cfg.RedisName(), "attempts", attempt)
				}
				return
			}
			if ctx.Err() != nil {
				return
			}
			if time.Since(lastLog) >= window {
				lastLog = time.Now()
				a.log.Warn("cannot reach Redis yet, retrying", "redis", a.cfg.RedisName(), "err", err, "attempt", attempt)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(min(time.Duration(attempt)*100*time.Millisecond, time.Second)):
			}
		}
	}()
}

// Addr returns the address the server listens on.
func (a *App) Addr() string { return a.ln.Addr().String() }

// URL returns the server's base URL.
func (a *App) URL() string { return "http://" + a.Addr() }

// Shutdown stops accepting, closes every websocket with 1012 and lets them
// drain, finishes HTTP requests in flight, stops the node and closes Redis,
// within ctx.
func (a *App) Shutdown(ctx context.Context) error {
	var err error
	a.once.Do(func() {
		start := time.Now()
		conns, _, _ := a.Node.Hub().Stats()
		a.log.Info("shutting down", "connections", conns)
		defer func() {
			a.log.Info("stopped", "connections closed", conns, "took", time.Since(start).Round(time.Millisecond))
		}()
		var wg sync.WaitGroup
		var httpErr, nodeErr error
		wg.Add(2)
		// Out of time: cancel what runs and close Redis, which also ends the
		// Redis reads that a cancel does not interrupt (a stalled Redis).
		stop := context.AfterFunc(ctx, func() { a.cancelRequests(); a.closeRedis() })
		defer stop()
		go func() { defer wg.Done(); httpErr = a.srv.Shutdown(ctx) }()
		go func() { defer wg.Done(); nodeErr = a.Node.Shutdown(ctx) }()
		wg.Wait()
		if ctx.Err() != nil {
			_ = a.srv.Close() // cut what is left
		}
		a.cancelRequests()
		if serveErr := <-a.served; !errors.Is(serveErr, http.ErrServerClosed) {
			httpErr = errors.Join(httpErr, serveErr)
		}
		err = errors.Join(httpErr, nodeErr, a.closeRedis())
	})
	return err
}

// closeRedis closes the Redis client once.
func (a *App) closeRedis() error {
	a.redisOnce.Do(func() { a.redisErr = a.Redis.Close() })
	return a.redisErr
}
