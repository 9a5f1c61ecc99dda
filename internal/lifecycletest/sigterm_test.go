package lifecycletest

import (
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/redischat/chat/internal/chattest"
)

// closeSeen is how one client of the terminated instance saw its socket
// end and came back.
type closeSeen struct {
	name        string
	code        int
	toClose     time.Duration // from SIGTERM to the close
	recovered   int           // messages in the rejoin's reply
	resent      int           // messages sent again after the rejoin
	reconnected time.Duration // from SIGTERM to the rejoin's reply
}

// TestSIGTERMUnderTraffic (issue 7, fault test 5): a deploy. Two cmd/server
// processes on one Redis, clients on both sending to General with
// clientIDs; one process gets SIGTERM. Its sockets must close with 1012
// within a second and it must exit within Cloud Run's 10 s; its clients
// reconnect to the other instance with signIn {accessKey} and channelJoin
// {since, epoch}, resend what was not acknowledged, and in the end every
// client has every acknowledged message exactly once, offsets contiguous.
func TestSIGTERMUnderTraffic(t *testing.T) {
	const (
		perInstance = 4
		interval    = 20 * time.Millisecond // between one client's sends
		inflight    = 10                    // unacknowledged sends one client allows itself
		before      = 150                   // messages stored before SIGTERM
		after       = 150                   // and after every client is back
	)
	cfg := chattest.Config(t)
	env := BaseEnv(chattest.RedisURL(t), cfg.KeyPrefix)
	doomed, survivor := StartProcess(t, "doomed", env...), StartProcess(t, "survivor", env...)
	doomed.WaitHealthy(t, 30*time.Second)
	survivor.WaitHealthy(t, 30*time.Second)

	var peers []*Peer
	for i := range 2 * perInstance {
		p := NewPeer(fmt.Sprintf("user%d", i))
		url := survivor.URL
		if i < perInstance {
			url = doomed.URL
		}
		if err := p.Connect(url); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		if err := p.SignUp(); err != nil {
			t.Fatal(err)
		}
		r, err := p.Join()
		if err != nil {
			t.Fatal(err)
		}
		if r.Epoch == "" || r.Offset == nil {
			t.Errorf("%s: the channelJoin reply has no epoch (%q) or no offset (%v)", p.Name, r.Epoch, r.Offset)
		}
		if p.View().DataEpoch == "" {
			t.Errorf("%s: ready has no dataEpoch, although /health answered 200 (Redis reached)", p.Name)
		}
		peers = append(peers, p)
	}

	var (
		stop       = make(chan struct{})
		terminated = make(chan struct{}) // closed once sigtermAt is set
		sigtermAt  time.Time
		back       = make(chan closeSeen, perInstance) // a client of the terminated instance rejoined
		mu         sync.Mutex
		errs       []error
		wg         sync.WaitGroup
	)
	for i, p := range peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := drive(p, i < perInstance, survivor.URL, interval, inflight, stop, terminated, &sigtermAt, back); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	halt := sync.OnceFunc(func() { close(stop); wg.Wait() })
	// The traffic stops before the peers close, should the test end early.
	t.Cleanup(halt)
	// stopTraffic stops it and fails at once if a client's driver failed.
	stopTraffic := func() {
		halt()
		for _, err := range errs {
			t.Error(err)
		}
		if len(errs) > 0 {
			t.FailNow()
		}
	}

	if err := peers[len(peers)-1].WaitOffset(before, 20*time.Second); err != nil {
		t.Error(err)
		stopTraffic()
		t.FailNow()
	}
	sigtermAt = time.Now()
	close(terminated)
	doomed.Signal(t, syscall.SIGTERM)
	exitTook := doomed.WaitExit(t, sigtermAt, 10*time.Second)
	if err := doomed.Err(); err != nil {
		t.Errorf("exit status after SIGTERM: %v, want 0", err)
	}
	var seen []closeSeen
	timeout := time.After(15 * time.Second)
	for len(seen) < perInstance { // every client of the terminated instance is back
		select {
		case c := <-back:
			seen = append(seen, c)
		case <-timeout:
			t.Errorf("%d of %d clients of the terminated instance rejoined within 15s", len(seen), perInstance)
			stopTraffic()
			t.FailNow()
		}
	}
	top := peers[len(peers)-1].View().Last
	if err := peers[len(peers)-1].WaitOffset(top+after, 20*time.Second); err != nil {
		t.Error(err)
		stopTraffic()
		t.FailNow()
	}
	stopTraffic()

	// Every message sent comes back to its sender; the highest offset
	// acknowledged is the stream's top, which every client must reach.
	var last int64
	for _, p := range peers {
		if err := p.WaitAcked(15 * time.Second); err != nil {
			t.Fatal(err)
		}
		for _, o := range p.View().Acked {
			last = max(last, o)
		}
	}
	for _, p := range peers {
		if err := p.WaitOffset(last, 15*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	observer := NewPeer("observer")
	if err := observer.Connect(survivor.URL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(observer.Close)
	if err := observer.SignUp(); err != nil {
		t.Fatal(err)
	}
	if r, err := observer.Join(); err != nil {
		t.Fatal(err)
	} else if r.Offset != nil && *r.Offset != last {
		t.Errorf("the stream's top is %d, the highest acknowledged offset %d: a message stored but never acknowledged", *r.Offset, last)
	}

	acked, received, sendErrs := checkViews(t, peers, last)
	slowest := time.Duration(0)
	for _, c := range seen {
		if c.code != websocket.CloseServiceRestart {
			t.Errorf("%s: close code %d, want 1012", c.name, c.code)
		}
		if c.toClose > time.Second {
			t.Errorf("%s: socket closed %s after SIGTERM, want within 1s", c.name, c.toClose)
		}
		slowest = max(slowest, c.toClose)
		t.Logf("%s: close %d after %s, rejoined after %s with %d messages recovered, resent %d",
			c.name, c.code, c.toClose.Round(time.Millisecond), c.reconnected.Round(time.Millisecond), c.recovered, c.resent)
	}
	t.Logf("SIGTERM: sockets closed after %s (slowest of %d), process exited after %s", slowest.Round(time.Millisecond), len(seen), exitTook.Round(time.Millisecond))
	t.Logf("acknowledged %d messages (offsets 1-%d); received %d, by each of %d clients %d; send errors %v",
		acked, last, received, len(peers), received/len(peers), sendErrs)
}

// drive sends from p every interval until stop, keeping at most inflight
// unacknowledged. When p's socket closes and p is on the terminated
// instance, it reconnects to survivor, resumes with the access key, rejoins
// with since and epoch, resends what was not acknowledged and tells back.
func drive(p *Peer, onDoomed bool, survivor string, interval time.Duration, inflight int,
	stop, terminated <-chan struct{}, sigtermAt *time.Time, back chan<- closeSeen) error {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for k := 1; ; {
		select {
		case <-stop:
			return nil
		case <-p.Closed():
			code, at := p.CloseCode()
			select {
			case <-terminated:
			default:
				return fmt.Errorf("%s: socket closed (%d) before SIGTERM", p.Name, code)
			}
			if !onDoomed {
				return fmt.Errorf("%s: socket on the surviving instance closed (%d)", p.Name, code)
			}
			onDoomed = false
			seen := closeSeen{name: p.Name, code: code, toClose: at.Sub(*sigtermAt)}
			if err := p.Connect(survivor); err != nil {
				return err
			}
			if err := p.SignInKey(); err != nil {
				return err
			}
			r, err := p.Join()
			if err != nil {
				return err
			}
			seen.recovered = len(r.Messages)
			seen.reconnected = time.Since(*sigtermAt)
			n, err := p.Resend()
			if err != nil {
				return err
			}
			seen.resent = n
			back <- seen
		case <-tick.C:
			if p.Unacked() >= inflight {
				continue
			}
			// A send that fails on a closing socket stays unacknowledged and
			// is resent after the rejoin.
			_ = p.Send(fmt.Sprintf("%s-%d", p.Name, k))
			k++
		}
	}
}

// checkViews wants every client to hold exactly offsets 1 to last, each
// once and the same message for all, with each acknowledged message at its
// offset. It returns the acknowledged and received counts and the send
// errors seen.
func checkViews(t *testing.T, peers []*Peer, last int64) (acked, received int, sendErrs map[int]int) {
	t.Helper()
	sendErrs = map[int]int{}
	views := make([]View, len(peers))
	ackedAt := map[int64]string{} // offset -> clientID of its sender
	for i, p := range peers {
		views[i] = p.View()
		for id, o := range views[i].Acked {
			if other, ok := ackedAt[o]; ok {
				t.Errorf("offset %d acknowledged for two messages: %s and %s", o, other, id)
			}
			ackedAt[o] = id
		}
		for code, n := range views[i].SendErrors {
			sendErrs[code] += n
		}
	}
	acked = len(ackedAt)
	for i, v := range views {
		name := peers[i].Name
		for _, pr := range v.Problems {
			t.Errorf("%s: %s", name, pr)
		}
		if v.Base != 0 || v.Last != last || int64(len(v.Received)) != last {
			t.Errorf("%s: holds %d messages, offsets %d to %d, want 1 to %d", name, len(v.Received), v.Base+1, v.Last, last)
		}
		received += len(v.Received)
		for o, id := range ackedAt {
			if m, ok := v.Received[o]; !ok || m.ClientID != id {
				t.Errorf("%s: offset %d is %+v, want the acknowledged message %s", name, o, m, id)
			}
		}
		if i > 0 {
			for o, m := range v.Received {
				if first, ok := views[0].Received[o]; ok && first.UUID != m.UUID {
					t.Errorf("offset %d: %s has message %s, %s has %s", o, peers[0].Name, first.UUID, name, m.UUID)
				}
			}
		}
	}
	return acked, received, sendErrs
}
