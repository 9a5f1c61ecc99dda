package chatcore

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestCleanUsername(t *testing.T) {
	same := []string{"Alice", "alice", "ALICE", "  Alice ", "ＡＬＩＣＥ"}
	_, want, err := CleanUsername("alice")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range same {
		if _, key, err := CleanUsername(s); err != nil || key != want {
			t.Errorf("%q: key %q (%v), want %q", s, key, err, want)
		}
	}
	if d, _, _ := CleanUsername("  Zoë "); d != "Zoë" {
		t.Errorf("display %q, want Zoë", d)
	}
	if _, a, _ := CleanUsername("Zoe\u0308"); a != func() string { _, k, _ := CleanUsername("Zoë"); return k }() {
		t.Error("composed and decomposed forms are different users")
	}
	for _, ok := range []string{"李小龙", "Ἀθηνᾶ", "a b", strings.Repeat("é", 32)} {
		if _, _, err := CleanUsername(ok); err != nil {
			t.Errorf("%q: %v, want accepted", ok, err)
		}
	}
	for _, bad := range []string{"", "   ", strings.Repeat("é", 33), "a\nb", "a\x00b", "a\u2028b", "\xff"} {
		if _, _, err := CleanUsername(bad); err == nil {
			t.Errorf("%q accepted, want 400", bad)
		} else if code, _ := ErrorCode(err); code != CodeInvalid {
			t.Errorf("%q: code %d, want 400", bad, code)
		}
	}
}

func TestChecks(t *testing.T) {
	if CheckPassword(strings.Repeat("p", 72)) != nil || CheckPassword(strings.Repeat("p", 73)) == nil || CheckPassword("") == nil {
		t.Error("password bounds are not 1..72 bytes")
	}
	if CheckNewPassword("héllo", 5) != nil || CheckNewPassword("héll", 5) == nil || CheckNewPassword("p", 1) != nil {
		t.Error("new password bound is not min characters")
	}
	if CheckText("héllo", 5) != nil || CheckText("héllo!", 5) == nil || CheckText(" \n", 5) == nil {
		t.Error("text bounds are not 1..max characters")
	}
	if CheckClientID("abc-123_X") != nil || CheckClientID("a b") == nil || CheckClientID(strings.Repeat("x", 65)) == nil {
		t.Error("clientID rules")
	}
	if CheckUserID("6f1c1e1e-1111-4111-8111-111111111111") != nil || CheckUserID("{6f1c1e1e-1111-4111-8111-111111111111}") == nil {
		t.Error("user ID rules")
	}
}

func TestPayloadHeaderRoundTrip(t *testing.T) {
	for _, h := range []header{{}, {offset: 42}, {skipUser: "u"}, {skipChannel: "a:b"}, {offset: 7, skipUser: "u", skipChannel: "c", droppable: true}, {offset: 9, epoch: "e1"}, {offset: 3, droppable: true, epoch: "x"}, {skipChannel: "a:b", notifyID: "1-2"}} {
		got, frame, ok := parsePayload(h.encode([]byte(`{"type":"x"}`)))
		if !ok || got != h || string(frame) != `{"type":"x"}` {
			t.Errorf("%+v came back as %+v %q %v", h, got, frame, ok)
		}
	}
	for _, bad := range []string{"", "no newline", "x,,\n{}"} {
		if _, _, ok := parsePayload([]byte(bad)); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestKeysShareHashTags(t *testing.T) {
	k := NewKeys("p:")
	tag := func(key string) string {
		i, j := strings.Index(key, "{"), strings.Index(key, "}")
		return key[i : j+1]
	}
	ch := Private("b", "a")
	if ch != Private("a", "b") || ch.ID != "a:b" {
		t.Fatalf("private channel id %q is not symmetric", ch.ID)
	}
	same := [][]string{
		{k.ChannelSeq(ch.ID), k.ChannelLog(ch.ID), k.ClientID(ch.ID, "u", "c"), k.ChannelMembers(ch.ID)},
	}
	// A new user's ID is drawn in its name's bucket: the create script's
	// keys share a slot.
	id := NewUserID("alice")
	b := UserBucket(id)
	same = append(same,
		[]string{k.UserByName("alice"), k.UserNames(b), k.User(id), k.UsersSorted(b)},
		[]string{k.PresenceOnline(b), k.PresenceUser(id), k.PresenceByName(b)})
	for _, group := range same {
		for _, key := range group {
			if !strings.HasPrefix(key, "p:") || tag(key) != tag(group[0]) {
				t.Errorf("%s is not in the slot of %s", key, group[0])
			}
		}
	}
}

// TestBucketsSpread: users and presence are spread over every bucket, so a
// cluster spreads them over its primaries.
func TestBucketsSpread(t *testing.T) {
	counts := make([]int, Buckets)
	for i := range 16000 {
		counts[NameBucket(fmt.Sprint("user", i))]++
	}
	for b, n := range counts {
		if n < 800 || n > 1200 { // 1000 each if even
			t.Errorf("bucket %d holds %d of 16000 names", b, n)
		}
	}
	k := NewKeys("chat:")
	tags := map[string]bool{}
	for b := range Buckets {
		tags[k.UserNames(b)[:strings.Index(k.UserNames(b), "}")]] = true
		tags[k.PresenceOnline(b)[:strings.Index(k.PresenceOnline(b), "}")]] = true
	}
	if len(tags) != 2*Buckets {
		t.Fatalf("%d distinct hash tags, want %d", len(tags), 2*Buckets)
	}
}

func TestBucket(t *testing.T) {
	b := newBucket(10, 2)
	t0 := time.Now()
	if !b.take(t0) || !b.take(t0) || b.take(t0) {
		t.Fatal("burst of 2 not enforced")
	}
	if !b.take(t0.Add(100*time.Millisecond)) || b.take(t0.Add(100*time.Millisecond)) { // 0.1 s at 10/s refills one
		t.Fatal("refill is not 10 a second")
	}
}

// TestKeySlot: KeySlot is Redis Cluster's slot (values from CLUSTER
// KEYSLOT), and the buckets' tags spread evenly over the slots.
func TestKeySlot(t *testing.T) {
	for key, want := range map[string]int{"{users:0}": 15993, "{presence:3}": 16206, "foo": 12182, "a{b}c": 3300, "{}x": 10595, "chat:{ch:general}:log": KeySlot("ch:general")} {
		if got := KeySlot(key); got != want {
			t.Errorf("KeySlot(%q) = %d, want %d", key, got, want)
		}
	}
	k := NewKeys("chat:")
	for b := range Buckets {
		for _, key := range []string{k.UserNames(b), k.PresenceOnline(b)} {
			if got := KeySlot(key) * Buckets / 16384; got != b {
				t.Errorf("%s is in slot %d, in sixteenth %d, want %d", key, KeySlot(key), got, b)
			}
		}
	}
}
