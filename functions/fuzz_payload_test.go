package functions

import (
	"slices"
	"testing"
)

// FuzzPayload runs the handler of a message type on an arbitrary payload,
// as a websocket frame carries it (http false) or as the body of an HTTP
// function (http true), through the table and without Redis
// (fuzz_harness_test.go). It must not panic; every error must be a client
// error with a 4xx code and a text, never an internal one; and the outcome
// must be the one the protocol's rules give (fuzz_expect_test.go): the same
// error code, the store reached only by payloads that pass every check made
// before it, and for a request answered without the store its reply, which
// echoes what was decoded.
func FuzzPayload(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s.typ, false, []byte(s.payload))
		f.Add(s.typ, true, []byte(s.payload))
	}
	s, _ := fuzzServer(f)
	cfg := s.node.Config()
	rules := expectations()
	for _, name := range Names() {
		if rules[name] == nil {
			f.Fatalf("message type %s has no rule in fuzz_expect_test.go", name)
		}
	}
	f.Fuzz(func(t *testing.T, typ string, http bool, payload []byte) {
		err, replies := runFuzzCall(s, typ, payload, http)
		got := classify(t, typ, err)
		rule := rules[typ]
		if rule == nil || !slices.Contains(Names(), typ) {
			if got.code != 400 || len(replies) > 0 {
				t.Fatalf("unknown type %q: %v, replies %q; want error 400", typ, got, replies)
			}
			return
		}
		checkOutcome(t, typ, payload, got, replies, rule(cfg, &Call{Type: typ, Payload: payload}))
	})
}
