// Package chatcore is the chat domain: users, access keys, channels,
// messages, presence, the Redis store behind them, the pub/sub bridge that
// joins server instances, and the hub of websocket connections of one
// process. It knows nothing of HTTP routing; package functions is the edge.
//
// Concurrency rules:
//
//   - A Node is safe for concurrent use. Run starts its background loops
//     (pub/sub bridge, presence refresh and sweep); Shutdown stops them.
//   - Each Conn has exactly one reader goroutine (which also runs the
//     request handlers, so replies keep request order) and one writer
//     goroutine, the only one that writes to the socket. Everything else
//     hands frames to the writer through a bounded queue and never waits
//     for a client: a client whose queue is full is disconnected.
//   - The process holds one Redis pub/sub connection, multiplexed over all
//     the topics its connections need, reference counted.
//   - Lock order: Hub.mu before Conn.mu; no lock is held across a Redis call.
package chatcore
