package functions_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
)

// TestSignUpRace: 20 simultaneous sign-ups of one name make exactly one user;
// 20 simultaneous first sign-ins of another name all get that one user.
func TestSignUpRace(t *testing.T) {
	cfg := chattest.Config(t)
	a := chattest.Start(t, cfg)
	const n = 20
	conns := make([]*chattest.WS, n)
	for i := range conns {
		conns[i] = chattest.Dial(t, a.URL())
	}
	race := func(typ, name string) []chattest.Frame {
		var start, done sync.WaitGroup
		start.Add(1)
		done.Add(n)
		for _, c := range conns {
			go func() {
				defer done.Done()
				start.Wait()
				c.Send(typ, map[string]string{"username": name, "password": "pw"})
			}()
		}
		start.Done()
		done.Wait()
		out := make([]chattest.Frame, n)
		for i, c := range conns {
			out[i] = c.Next()
			for out[i].Type == "sys" {
				out[i] = c.Next()
			}
		}
		return out
	}

	created, conflicts := 0, 0
	for _, f := range race("signUp", "racer") {
		switch f.Type {
		case "authorized":
			created++
		case "error":
			var e chattest.ErrorPayload
			f.Payload(t, &e)
			if e.Code == 409 {
				conflicts++
			}
		}
	}
	if created != 1 || conflicts != n-1 {
		t.Fatalf("signUp race: %d authorized, %d conflicts; want 1 and %d", created, conflicts, n-1)
	}

	ids := map[string]bool{}
	for _, f := range race("signIn", "newcomer") {
		var auth chattest.Auth
		if f.Type != "authorized" {
			t.Fatalf("signIn race: got %s", f.Raw)
		}
		f.Payload(t, &auth)
		ids[auth.UserUUID] = true
	}
	if len(ids) != 1 {
		t.Fatalf("signIn race made %d users, want 1", len(ids))
	}
	if n, err := chatcore.NewStore(chattest.Client(t, cfg), cfg).UserCount(context.Background()); err != nil || n != 2 {
		t.Fatalf("users stored = %d (%v), want 2", n, err)
	}
}

// TestOffsetsDenseUnderConcurrentSenders: 50 senders at once; every message
// gets its own offset, 1..N with no gap, and reaches a listener once, in
// offset order.
func TestOffsetsDenseUnderConcurrentSenders(t *testing.T) {
	cfg := chattest.Config(t)
	one, two := chattest.Start(t, cfg), chattest.Start(t, cfg)
	listener := chattest.Dial(t, two.URL())
	listener.SignUp("listener")
	join(t, listener, "")

	const senders, each = 50, 10
	var wg sync.WaitGroup
	for s := range senders {
		c := chattest.Dial(t, []string{one.URL(), two.URL()}[s%2])
		c.SignUp(fmt.Sprintf("sender%02d", s))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				c.Send("channelMessage", map[string]any{"recipientUUID": "", "message": fmt.Sprintf("%d-%d", s, i)})
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for want := int64(1); want <= senders*each; want++ {
		m := msgOf(t, listener.Expect("channelMessage", noise...))
		if m.Offset != want || seen[m.Message] {
			t.Fatalf("message %q has offset %d, want %d (a gap, a repeat or disorder)", m.Message, m.Offset, want)
		}
		seen[m.Message] = true
	}
}

// TestSlowConsumerIsDisconnected: a client that stops reading is cut off
// once its queue is full; the others are not held up.
func TestSlowConsumerIsDisconnected(t *testing.T) {
	cfg := chattest.Config(t)
	cfg.SendQueue = 4
	cfg.MaxMessageLength = 60000
	cfg.ReadLimit = 1 << 20
	unlimited(&cfg)
	a := chattest.Start(t, cfg)

	// The slow client: a tiny receive buffer, and it stops reading after joining.
	dialer := websocket.Dialer{NetDialContext: (&net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		_ = c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return err
	}}).DialContext}
	slow, _, err := dialer.Dial("ws"+strings.TrimPrefix(a.URL(), "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	for _, f := range []string{
		`{"type":"signUp","signUp":{"username":"slow","password":"pw"}}`,
		`{"type":"channelJoin","channelJoin":{"recipientUUID":""}}`,
	} {
		if err := slow.WriteMessage(websocket.TextMessage, []byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	for { // read up to the join reply, then never again
		_, data, err := slow.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(string(data), `{"type":"channelJoin"`) {
			break
		}
	}

	fast := chattest.Dial(t, a.URL())
	fast.SignUp("fast")
	join(t, fast, "")
	big := strings.Repeat("x", 50000)
	start := time.Now()
	for i := 0; a.Node.Metrics().SlowDisconnects.Load() == 0; i++ {
		if i == 2000 {
			t.Fatal("2000 messages of 50 kB sent and the slow client is still connected")
		}
		send(t, fast, "", fmt.Sprintf("%d %s", i, big)) // the fast client is never held up
	}
	t.Logf("slow client disconnected after %s", time.Since(start))
	// The slow client's connection ends: 1013 if the close frame got past
	// the full buffers, else the socket is just cut (1006).
	_ = slow.SetReadDeadline(time.Now().Add(chattest.Wait))
	for {
		if _, _, err := slow.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Code != websocket.CloseTryAgainLater && ce.Code != websocket.CloseAbnormalClosure {
				t.Fatalf("close code %d, want 1013", ce.Code)
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("the slow client's connection is still open")
			}
			break
		}
	}
	if n := a.Node.Metrics().SlowDisconnects.Load(); n != 1 {
		t.Fatalf("slow disconnects = %d, want 1", n)
	}
}
