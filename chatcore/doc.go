// Package chatcore is the chat domain: users, access keys, channels,
// messages, presence, the Redis store behind them, the pub/sub bridge that
// joins server instances, and the hub of websocket connections of one
// process. It knows nothing of HTTP routing; package functions is the edge.
//
// Concurrency rules:
//
//   - A Node is safe for concurrent use. Run starts its background loops
//     (pub/sub bridge, presence refresh and sweep); Shutdown stops them.
//   - Each Conn has exactly one reader goroutine, which runs each request's
//     handler on a short-lived goroutine and waits for it (replies keep
//     request order; the long-lived reader's stack stays small), and at most
//     one writer goroutine, started while there is something to send: the
//     only one that writes to the socket. Everything else hands frames to
//     the writer through a bounded queue and never waits for a client: a
//     client whose queue is full is disconnected.
//   - The process holds one Redis pub/sub connection, multiplexed over all
//     the topics its connections need, reference counted; SUBSCRIBE and
//     UNSUBSCRIBE go through the bridge's one command goroutine.
//   - The hub is split into shards; each shard's worker goroutine is the only
//     one that changes its channels' delivery state (positions, epochs, held
//     frames), with the shard's lock held.
//   - Lock order: shard.mu (or Hub.mu) before Conn.mu; no lock is held
//     across a Redis call or a socket write.
package chatcore
