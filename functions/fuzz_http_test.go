package functions

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzHTTPBody posts arbitrary bodies, with an arbitrary access key, to the
// HTTP function of a message type through the Server's own routing,
// without Redis (fuzz_harness_test.go). The body limit answers 413; a type
// other than signUp and signIn answers 401 without a key of the right
// length and asks the store with one (checking the key needs Redis, so
// their bodies are fuzzed past it by FuzzPayload, http true); signUp and
// signIn bodies come to what the protocol's rules give
// (fuzz_expect_test.go). Every answer is a JSON error envelope naming the
// function, with its code as the HTTP status; a 500 only ever comes from the
// store.
func FuzzHTTPBody(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s.typ, []byte(s.payload), "")
		f.Add(s.typ, []byte(" \n"+s.payload+"\t"), " "+testKey+" ")
	}
	f.Add("signIn", []byte(`{"username":"a","password":"b"}`+strings.Repeat(" ", 4096)), "")
	f.Add("users", []byte(`{}`), "short")
	s, log := fuzzServer(f)
	cfg := s.node.Config()
	rules := expectations()
	f.Fuzz(func(t *testing.T, typ string, body []byte, key string) {
		e, ok := s.table[typ]
		if !ok {
			return // not a function: the router's 404
		}
		r := httptest.NewRequest(http.MethodPost, "/"+typ, bytes.NewReader(body))
		if key != "" {
			if len(key)%2 == 0 {
				r.Header.Set("X-Chat-Access-Key", key)
			} else {
				r.Header.Set("Authorization", "Bearer "+key)
			}
		}
		w := httptest.NewRecorder()
		_ = log.take()
		s.ServeHTTP(w, r)

		var want outcome
		switch trimmed := bytes.TrimSpace(body); {
		case len(body) > cfg.ReadLimit:
			want = outcome{code: 413}
		case !e.public && len(strings.TrimSpace(key)) != accessKeyLen:
			want = outcome{code: 401}
		case !e.public:
			want = outcome{storage: true}
		default:
			if len(trimmed) == 0 {
				trimmed = nil
			}
			want = rules[typ](cfg, &Call{Type: typ, Payload: trimmed}).outcome
		}
		status := want.code
		if status == 0 && !want.storage {
			status = http.StatusOK
		}
		if want.storage {
			status = http.StatusInternalServerError
			if err := log.take(); !errors.Is(err, errStorage) {
				t.Fatalf("%s %q: 500 from %v, want the store's error", typ, body, err)
			}
		}
		if w.Code != status {
			t.Fatalf("%s %q key %q: status %d %s, want %v", typ, body, key, w.Code, w.Body, want)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("%s: Content-Type %q", typ, ct)
		}
		frame, ok := bytes.CutSuffix(w.Body.Bytes(), []byte("\n"))
		if !ok {
			t.Fatalf("%s: answer %q does not end in a newline", typ, w.Body)
		}
		if status == http.StatusOK {
			if rtyp, _, err := envelope(frame); err != nil || rtyp != typ {
				t.Fatalf("%s %q: answer %q is not a %s frame", typ, body, frame, typ)
			}
			return
		}
		var ep errorPayload
		_, payload, _ := envelope(frame)
		_ = json.Unmarshal(payload, &ep)
		checkErrorFrame(t, frame, status, ep.Error, typ)
	})
}
