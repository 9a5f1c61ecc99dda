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

// publishFrom publishes payload on topic from the node that owns slotKey's
// slot: on a cluster, pub/sub keeps the order of what one node publishes
// only, and go-redis sends a PUBLISH (which has no key) to any primary. A
// frame published here from Go then keeps its order with the frames that
// the scripts of slotKey's slot publish on the same topic (a typing or
// leave and the channel's messages). A cluster that cannot say where the
// slot is gets the PUBLISH anywhere: it still reaches every subscriber.
func publishFrom(ctx context.Context, rdb redis.UniversalClient, slotKey, topic string, payload []byte) error {
	if c, ok := rdb.(*redis.ClusterClient); ok {
		if node, err := c.MasterForKey(ctx, slotKey); err == nil {
			return node.Publish(ctx, topic, payload).Err()
		}
	}
	return rdb.Publish(ctx, topic, payload).Err()
}
