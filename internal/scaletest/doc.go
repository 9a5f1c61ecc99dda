// Package scaletest runs the chat as it is deployed at scale: three
// cmd/server processes sharing one Redis, or one Redis Cluster, with the
// clients of one conversation spread over them, and checks that they
// behave as one chat: every message reaches every member once, in offset
// order, on every instance; presence, joins and leaves, typing and
// notifications cross instances; a client that reconnects, to the same
// instance or another, recovers exactly what it missed.
//
// The non-test files are the harness:
//
//   - fleet.go starts the three processes (lifecycletest's binary and
//     processes) on a Backend: the tests' single Redis, or a Redis Cluster
//     of the test's own (faulttest.StartCluster).
//   - client.go and observe.go are one user's client across its sockets.
//     Every frame it receives goes through observe, which checks it at once
//     against what the client knows (a message must be one past the last of
//     its channel, a push must be about a channel it is in) and files it:
//     messages in the channel's stream, presence and member events in logs
//     per subject, typing and notifications in lists.
//   - ledger.go is what happened, as every client must see it: each
//     offset's message, each user's presence and membership; and the logs
//     of events a client was told.
//   - world.go and world_send.go are the conversation: every client, the
//     ledger, and the steps that make something happen and wait for every
//     client concerned to be told of it, exactly once.
//
// The test files are the scenarios, run in order by TestThreeInstances.
//
// Exactly once without guessing: every event a step causes is awaited at
// every client that must be told of it before the next step, and each
// await takes the next entry of that subject's log, which must be the
// event awaited: a second copy is found by the next await or by the final
// check. The final check comes after barriers: presence changes are
// published by Redis scripts on the one node that holds presence, so once
// every client is told of a last sign-in, every change before it has
// arrived; a last message of the general channel does the same for its
// joins and leaves on one Redis (on a cluster the server publishes those to
// any primary, so there it orders nothing, and a late copy could go unseen).
//
// SCALETEST_TRACE=1 logs every frame each client receives.
//
// Everything runs on the test's goroutine: chattest.WS reads each socket
// into a buffer, and a client reads its buffer only when a step waits on
// it, so no state here is shared between goroutines.
package scaletest
