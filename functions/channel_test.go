package functions_test

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/redischat/chat/internal/chattest"
)

func TestGeneralChannelJoinMessageHistoryLeave(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.HistoryLimit = 3
	a := chattest.Start(t, cfg)
	alice := chattest.Dial(t, a.URL())
	aliceAuth := alice.SignUp("alice")
	bob := chattest.Dial(t, a.URL())
	bobAuth := bob.SignUp("bob")

	if r := join(t, alice, ""); len(r.Messages) != 0 || r.RecipientUUID != "" {
		t.Fatalf("first join = %+v, want no messages", r)
	}
	r := join(t, bob, "")
	if len(r.Users) != 2 {
		t.Fatalf("members = %+v, want alice and bob", r.Users)
	}
	if s := expectSys(t, alice, "channelJoin"); s.UserUUID != bobAuth.UserUUID || s.User.Username != "bob" || s.ChannelJoin.RecipientUUID != "" {
		t.Fatalf("sys channelJoin = %+v, want bob joining general", s)
	}

	// Each message reaches every joined connection once, sender included,
	// with dense offsets.
	for i := 1; i <= 5; i++ {
		m := send(t, bob, "", fmt.Sprintf("m%d", i))
		got := msgOf(t, alice.Expect("channelMessage", noise...))
		if got != m || m.Offset != int64(i) || m.SenderUUID != bobAuth.UserUUID || m.Sender.Username != "bob" || m.RecipientUUID != "" {
			t.Fatalf("message %d: sender got %+v, alice got %+v", i, m, got)
		}
		if ts, err := time.Parse(time.RFC3339Nano, m.CreatedAt); err != nil || ts.Location() != time.UTC {
			t.Fatalf("CreatedAt %q is not RFC 3339 UTC: %v", m.CreatedAt, err)
		}
	}

	// A new connection sees the last HISTORY_LIMIT messages, oldest first.
	carol := chattest.Dial(t, a.URL())
	carol.SignUp("carol")
	if r := join(t, carol, ""); !slices.Equal(texts(r.Messages), []string{"m3", "m4", "m5"}) || r.Recovered != nil {
		t.Fatalf("history = %v (recovered %v), want m3 m4 m5 and no recovered field", texts(r.Messages), r.Recovered)
	}
	// Older pages through channelHistory.
	carol.Send("channelHistory", map[string]any{"recipientUUID": "", "before": 3, "limit": 1})
	var h historyReply
	carol.Expect("channelHistory", noise...).Payload(t, &h)
	if !slices.Equal(texts(h.Messages), []string{"m2"}) || !h.HasMore {
		t.Fatalf("page before 3 = %v hasMore %v, want m2 and more", texts(h.Messages), h.HasMore)
	}
	carol.Send("channelHistory", map[string]any{"recipientUUID": "", "before": 3, "limit": 10})
	carol.Expect("channelHistory", noise...).Payload(t, &h)
	if !slices.Equal(texts(h.Messages), []string{"m1", "m2"}) || h.HasMore {
		t.Fatalf("page before 3 = %v hasMore %v, want m1 m2 and no more", texts(h.Messages), h.HasMore)
	}

	// Leaving tells the others, and the leaver gets no more messages.
	alice.Send("channelLeave", map[string]any{"recipientUUID": ""})
	alice.Expect("channelLeave", noise...)
	if s := expectSys(t, bob, "channelLeave"); s.UserUUID != aliceAuth.UserUUID {
		t.Fatalf("sys channelLeave = %+v, want alice", s)
	}
	send(t, bob, "", "after leave")
	alice.Send("users", nil) // a reply orders the frames: nothing may come before it
	alice.Expect("users", "sys")
}

func TestPrivateChannelNotifyAndTyping(t *testing.T) {
	a := chattest.Start(t, chattest.Config(t))
	alice := chattest.Dial(t, a.URL())
	aliceID := alice.SignUp("alice").UserUUID
	bob := chattest.Dial(t, a.URL())
	bobID := bob.SignUp("bob").UserUUID
	carol := chattest.Dial(t, a.URL())
	carol.SignUp("carol")
	join(t, bob, "")
	join(t, carol, "")

	// Alice writes to bob, who is in general: he gets a notify, not the message.
	r := join(t, alice, bobID)
	if r.RecipientUUID != bobID || len(r.Users) != 2 {
		t.Fatalf("private join = %+v, want members alice and bob", r)
	}
	m := send(t, alice, bobID, "hi bob")
	if m.RecipientUUID != bobID || m.Recipient.UUID != bobID || m.Offset != 1 {
		t.Fatalf("private message = %+v", m)
	}
	var n struct {
		RecipientUUID string  `json:"recipientUUID"`
		Message       message `json:"message"`
	}
	bob.Expect("notify", noise...).Payload(t, &n)
	if n.RecipientUUID != aliceID || n.Message.UUID != m.UUID || n.Message.Offset != 1 || n.Message.Message != "hi bob" {
		t.Fatalf("notify = %+v, want recipientUUID alice and the message", n)
	}

	// Bob opens the channel (named by alice's UUID from his side): history, and no notify now.
	if r := join(t, bob, aliceID); !slices.Equal(texts(r.Messages), []string{"hi bob"}) {
		t.Fatalf("bob's private history = %v", texts(r.Messages))
	}
	reply := send(t, bob, aliceID, "hi alice")
	if got := msgOf(t, alice.Expect("channelMessage", noise...)); got != reply || got.Offset != 2 {
		t.Fatalf("alice got %+v, want %+v", got, reply)
	}

	// Typing reaches the other member, named from the receiver's side.
	alice.Send("typing", map[string]any{"recipientUUID": bobID})
	var ty struct {
		RecipientUUID string `json:"recipientUUID"`
		User          struct{ UUID, Username string }
	}
	bob.Expect("typing", "sys").Payload(t, &ty)
	if ty.RecipientUUID != aliceID || ty.User.UUID != aliceID {
		t.Fatalf("typing = %+v, want alice in the channel named by her UUID", ty)
	}

	// Carol, in general, saw none of it; she cannot read their channel:
	// a private channel is always "me and the recipient".
	carol.Send("channelHistory", map[string]any{"recipientUUID": aliceID})
	var h historyReply
	carol.Expect("channelHistory", "sys").Payload(t, &h)
	if len(h.Messages) != 0 {
		t.Fatalf("carol read %v from her own channel with alice, want nothing", texts(h.Messages))
	}
	carol.Send("users", nil)
	carol.Expect("users", "sys")
}

func TestRecoveryWithSince(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.Retention = 10
	cfg.HistoryLimit = 4
	a := chattest.Start(t, cfg)
	alice := chattest.Dial(t, a.URL())
	alice.SignUp("alice")
	join(t, alice, "")
	for i := 1; i <= 6; i++ {
		send(t, alice, "", fmt.Sprintf("m%d", i))
	}
	bob := chattest.Dial(t, a.URL())
	bob.SignUp("bob")

	r := join(t, bob, "", 3)
	if r.Recovered == nil || !*r.Recovered || !slices.Equal(texts(r.Messages), []string{"m4", "m5", "m6"}) {
		t.Fatalf("since 3 = %v recovered %v, want m4..m6 recovered", texts(r.Messages), r.Recovered)
	}
	if r := join(t, bob, "", 6); r.Recovered == nil || !*r.Recovered || len(r.Messages) != 0 {
		t.Fatalf("since 6 = %v recovered %v, want nothing, recovered", texts(r.Messages), r.Recovered)
	}
	// Past the retention bound the gap cannot be filled: the latest page.
	bob.Send("channelLeave", map[string]any{"recipientUUID": ""})
	bob.Expect("channelLeave", noise...)
	for i := 7; i <= 20; i++ {
		send(t, alice, "", fmt.Sprintf("m%d", i))
	}
	if r := join(t, bob, "", 2); r.Recovered == nil || *r.Recovered || !slices.Equal(texts(r.Messages), []string{"m17", "m18", "m19", "m20"}) {
		t.Fatalf("since 2 = %v recovered %v, want latest page m17..m20, not recovered", texts(r.Messages), r.Recovered)
	}
	// A since from the future (the store was reset) is not recovered either.
	if r := join(t, bob, "", 99); r.Recovered == nil || *r.Recovered {
		t.Fatalf("since 99 recovered %v, want false", r.Recovered)
	}
	// The largest offset there is: beyond the stream too, not a 500.
	if r := join(t, bob, "", math.MaxInt64); r.Recovered == nil || *r.Recovered || len(r.Messages) != 4 {
		t.Fatalf("since MaxInt64 = %v recovered %v, want the latest page, not recovered", texts(r.Messages), r.Recovered)
	}
}

func TestIdempotentClientID(t *testing.T) {
	a := chattest.Start(t, chattest.Config(t))
	alice := chattest.Dial(t, a.URL())
	aliceAuth := alice.SignUp("alice")
	bob := chattest.Dial(t, a.URL())
	bob.SignUp("bob")
	join(t, alice, "")
	join(t, bob, "")

	payload := map[string]any{"recipientUUID": "", "message": "once", "clientID": "c-1"}
	alice.Send("channelMessage", payload)
	first := msgOf(t, alice.Expect("channelMessage", noise...))
	if first.ClientID != "c-1" {
		t.Fatalf("ClientID = %q, want c-1", first.ClientID)
	}
	alice.Send("channelMessage", payload)
	alice.Send("channelMessage", map[string]any{"recipientUUID": "", "message": "next", "clientID": "c-2"})
	if m := msgOf(t, alice.Expect("channelMessage", noise...)); m.Message != "next" || m.Offset != 2 {
		t.Fatalf("after a retry alice got %+v, want only the next message, offset 2", m)
	}
	if got := texts([]message{msgOf(t, bob.Expect("channelMessage", noise...)), msgOf(t, bob.Expect("channelMessage", noise...))}); !slices.Equal(got, []string{"once", "next"}) {
		t.Fatalf("bob got %v, want once, next", got)
	}

	// A retry from a new connection (the first may have dropped before the
	// message came back) gets the stored message, and nothing is stored again.
	again := chattest.Dial(t, a.URL())
	again.SignInKey(aliceAuth.AccessKey)
	join(t, again, "", 0)
	again.Send("channelMessage", payload)
	again.Send("channelHistory", map[string]any{"recipientUUID": ""})
	var h historyReply
	again.Expect("channelHistory", noise...).Payload(t, &h)
	if !slices.Equal(texts(h.Messages), []string{"once", "next"}) {
		t.Fatalf("history = %v, want once, next", texts(h.Messages))
	}
}

// TestRetriedClientIDLosesNoOtherMessage: a retry arriving while other
// users' messages are in flight must not make the connection skip them.
func TestRetriedClientIDLosesNoOtherMessage(t *testing.T) {
	cfg := chattest.Config(t)
	unlimited(&cfg)
	a := chattest.Start(t, cfg)
	alice := chattest.Dial(t, a.URL())
	alice.SignUp("alice")
	join(t, alice, "")
	others := make([]*chattest.WS, 4)
	for i := range others {
		others[i] = chattest.Dial(t, a.URL())
		others[i].SignUp(fmt.Sprintf("other%d", i))
	}
	const rounds = 100
	done := make(chan struct{})
	for _, o := range others {
		go func() {
			for i := range rounds {
				o.Send("channelMessage", map[string]any{"recipientUUID": "", "message": fmt.Sprint(i)})
			}
			done <- struct{}{}
		}()
	}
	for i := range rounds {
		p := map[string]any{"recipientUUID": "", "message": "mine", "clientID": fmt.Sprintf("c%d", i)}
		alice.Send("channelMessage", p)
		alice.Send("channelMessage", p)
	}
	for range others {
		<-done
	}
	for want := int64(1); want <= rounds*(1+int64(len(others))); want++ {
		if m := msgOf(t, alice.Expect("channelMessage", noise...)); m.Offset != want {
			t.Fatalf("alice got offset %d, want %d: a message was skipped", m.Offset, want)
		}
	}
}

// TestRetryOfATrimmedMessage: the retry of a message the channel no longer
// keeps is still answered, not a 500.
func TestRetryOfATrimmedMessage(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.Retention = 2
	a := chattest.Start(t, cfg)
	status, env := post(t, a.URL()+"/signIn", `{"username":"bot","password":"pw"}`)
	if status != 200 {
		t.Fatalf("signIn = %d", status)
	}
	key := field[chattest.Auth](t, env, "authorized").AccessKey
	bearer := []string{"Authorization", "Bearer " + key}
	for _, body := range []string{
		`{"recipientUUID":"","message":"first","clientID":"x1"}`,
		`{"recipientUUID":"","message":"second"}`,
		`{"recipientUUID":"","message":"third"}`,
		`{"recipientUUID":"","message":"first","clientID":"x1"}`,
	} {
		status, env = post(t, a.URL()+"/channelMessage", body, bearer...)
		if status != 200 {
			t.Fatalf("%s: %d %v", body, status, env)
		}
	}
	if m := field[message](t, env, "channelMessage"); m.Offset != 1 || m.ClientID != "x1" {
		t.Fatalf("retry answered %+v, want offset 1 and clientID x1", m)
	}
	ws := chattest.Dial(t, a.URL())
	ws.SignInKey(key)
	join(t, ws, "")
	ws.Send("channelMessage", map[string]any{"recipientUUID": "", "message": "first", "clientID": "x1"})
	ws.Send("users", nil)
	ws.Expect("users", "sys") // no error came first
}
