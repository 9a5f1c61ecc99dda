package chatcore

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"
)

// primaries returns a client of each node that publishes: the single
// Redis, or every primary of a cluster.
func primaries(ctx context.Context, rdb redis.UniversalClient) ([]redis.Cmdable, error) {
	c, ok := rdb.(*redis.ClusterClient)
	if !ok {
		return []redis.Cmdable{rdb}, nil
	}
	var mu sync.Mutex
	var out []redis.Cmdable
	err := c.ForEachMaster(ctx, func(_ context.Context, node *redis.Client) error {
		mu.Lock()
		out = append(out, node)
		mu.Unlock()
		return nil
	})
	return out, err
}
