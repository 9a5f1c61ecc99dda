// Package lifecycletest runs the chat server through what a process lives
// through on Cloud Run: SIGTERM on every deploy, SIGKILL when an instance
// dies, shutdown while Redis hangs, a start before Redis is up, and the
// connect and disconnect churn of a long day. The tests run the real
// cmd/server binary (built once per test run, with the race detector when
// the tests have it) or an in-process server, speak real websockets to it,
// and start their own redis-server where they need to stall or withhold it.
//
// The non-test files are the harness: the binary and its processes
// (binary.go, process.go), a redis-server of a test's own (redis.go), a
// client that checks every message it receives against the channel's
// offsets (peer.go, link.go) and the process's resource figures
// (figures.go). A Peer's reader goroutine owns the peer's received state
// under its mutex; a test's goroutines drive peers through methods that
// return errors instead of failing the test, so that only the test's own
// goroutine calls t.Fatal.
package lifecycletest
