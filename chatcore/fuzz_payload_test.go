package chatcore

import (
	"bytes"
	"strconv"
	"testing"
)

// FuzzParsePayload feeds arbitrary pub/sub payloads to the bridge's parse
// ("offset,skipUser,skipChannel,flags,epoch,notifyID\n" then the frame). It
// must not panic; it refuses exactly the payloads without a header line or
// whose offset is not a number; and a parsed header, whatever its fields,
// encodes to one that parses back the same (flags kept to d and g, an
// offset below 1 left out), with the frame unchanged: so every header the
// format can carry survives encode and parse.
func FuzzParsePayload(f *testing.F) {
	msg := []byte(`{"Offset":7,"UUID":"u","Message":"hi","CreatedAt":"2026-01-02T03:04:05.123456789Z"}`)
	for _, seed := range [][]byte{
		header{offset: 7, epoch: "k3x9"}.encode(messageFrame(msg)),
		header{skipUser: "a", skipChannel: "general", droppable: true}.encode(typingFrame(User{UUID: "a"}, "")),
		header{gather: true, notifyID: "1700000000000-0"}.encode([]byte(`{}`)),
		header{revoke: "9f86d081884c7d65"}.encode([]byte(`{}`)),
		[]byte(",,,\n"), []byte("\n"), []byte("x\n{}"), []byte("-5,,,\n{}"), []byte("+5,a,b,dgx,e,n,m,o\n{}"),
		[]byte("99999999999999999999,,,\n"), []byte("1,2,3,4,5,6,7\n\n\n"), []byte("no header"), {},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		h, frame, ok := parsePayload(p)
		line, rest, hasLine := bytes.Cut(p, []byte{'\n'})
		first, _, _ := bytes.Cut(line, []byte{','})
		_, numErr := strconv.ParseInt(string(first), 10, 64)
		if want := hasLine && (len(first) == 0 || numErr == nil); ok != want {
			t.Fatalf("parsePayload(%q): ok %v, want %v", p, ok, want)
		}
		if !ok {
			return
		}
		if !bytes.Equal(frame, rest) {
			t.Fatalf("parsePayload(%q): frame %q, want %q", p, frame, rest)
		}
		_ = createdAt(frame)
		h2, frame2, ok := parsePayload(h.encode(frame))
		h.offset = max(h.offset, 0)
		if !ok || h2 != h || !bytes.Equal(frame2, frame) {
			t.Fatalf("payload %q: header %+v encodes to %q, which parses to %+v, %q, %v", p, h, h.encode(frame), h2, frame2, ok)
		}
	})
}
