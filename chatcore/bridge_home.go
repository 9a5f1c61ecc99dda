package chatcore

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// home returns the client to make the subscriber connection with: on a
// cluster, the primary of homeKey's slot (the general channel's), found
// anew at each connection.
//
// Classic pub/sub on a cluster delivers a message at once to subscribers
// on the node it was published on, and to the others over the cluster
// bus, which adds milliseconds (a p50 of 26 ms against 3 ms measured, a
// tail near 40 ms: BENCHMARKS.md). The general channel carries most
// deliveries and its messages are published on its primary, so the
// connection is made there. go-redis's ClusterClient.Subscribe would pick
// a node at random. After a failover the connection may stay on a node
// that became a replica: it still receives everything, over the bus,
// until it is made anew.
func (b *bridge) home(ctx context.Context) redis.UniversalClient {
	c, ok := b.rdb.(*redis.ClusterClient)
	if !ok || b.homeKey == "" {
		return b.rdb
	}
	node, err := c.MasterForKey(ctx, b.homeKey)
	if err != nil {
		return b.rdb // any node: every node receives every message
	}
	return node
}
