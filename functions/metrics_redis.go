package functions

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// redisTimer is a go-redis hook that observes how long each call took: a
// command under its name ("get", "evalsha", "xadd"), a pipeline or a
// transaction as one call under "pipeline". Failed calls are observed too
// (a timeout is the slow call an operator looks for); they are also counted
// by chat_redis_errors_total. The time includes waiting for a pooled
// connection. go-redis adds hooks safely to a client in use.
type redisTimer struct {
	commands *prometheus.HistogramVec
	pipeline prometheus.Observer
}

// DialHook implements redis.Hook: dials are not timed.
func (redisTimer) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (t redisTimer) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmd)
		t.commands.WithLabelValues(cmd.Name()).Observe(time.Since(start).Seconds())
		return err
	}
}

// ProcessPipelineHook implements redis.Hook.
func (t redisTimer) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmds)
		t.pipeline.Observe(time.Since(start).Seconds())
		return err
	}
}
