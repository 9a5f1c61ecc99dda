// Package faulttest proves that the chat loses no message when Redis goes
// wrong the way a managed deployment does: a restart with or without its
// data, a failover to a replica that missed the last writes, a pub/sub
// connection killed or left silent.
//
// The harness is in the package's non-test files, the fault tests in its
// _test files:
//
//   - Redis (redisproc.go) is a redis-server process the test starts on a
//     free port with a directory of its own, and stops, restarts, kills,
//     makes a replica or promotes.
//   - Proxy (proxy.go) is a TCP proxy the test puts between a server (or a
//     replica) and Redis, to switch it to another Redis, cut it, or leave it
//     silent without closing it.
//   - Fleet (traffic.go; client*.go, sender.go, check.go, wire.go) is a set
//     of websocket clients that sign up, join a channel and send messages with
//     a clientID, keeping a ledger of what was acknowledged to each sender
//     and what every member received, and reconnect the way the browser
//     client does. Check asserts that the two agree.
//   - HealthWatch (health.go) polls GET /health and times its answers;
//     ReadStream (stream.go) reads a channel's stream as Redis keeps it;
//     Poll (poll.go) waits for state that nothing announces.
//
// Concurrency rules: every goroutine the harness starts ends before the
// test's cleanups return, and none of them calls t.Log or t.Fatal (they
// record what happened; the test goroutine reports it). Each Client's
// mutex guards its view and counters; the Fleet's guards the ledger of
// acknowledgements; the Client's is taken before the Fleet's, never the
// other way. Writes to one websocket are serialised by its session's write
// mutex.
package faulttest
