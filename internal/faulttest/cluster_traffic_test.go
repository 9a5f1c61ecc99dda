package faulttest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
)

// A chat on a Redis Cluster for the cluster fault tests: two server
// instances in the test's process, members of General and of one private
// channel on both, sending steadily, each channel with the ledger of what
// its members were told (the Fleet's). The tests speak only the protocol:
// they learn the stream of a channel from a member that joins at the end,
// never from Redis.

// clusterChat is the chat of one cluster fault test.
type clusterChat struct {
	c       *Cluster
	cfg     chatcore.Config
	urls    []string
	general *chatChannel
	private *chatChannel
}

// chatChannel is one channel of a clusterChat: the fleets whose clients
// are its members (one for General; one per user for a private channel,
// whose members name it each by the other), its hash slot, and the epoch
// its members were given when they joined at the start.
type chatChannel struct {
	name     string
	slot     int
	fleets   []*Fleet
	epoch    string
	addNew   func() *Client // a member more, joined
	errs     *errorWatch
	stopped  time.Time            // when settle stopped the senders
	drained  map[*Fleet]time.Time // when each fleet's senders were done
	observer *Client              // the member that joined at the end (settle)
}

// account is a user signed up before the fleets start.
type account struct{ uuid, key string }

// startClusterChat starts two server instances on c and the members of
// both channels. The private channel's users are chosen so that its slot
// is on the primary of General's: a fault of that primary hits both.
func startClusterChat(t *testing.T, c *Cluster) *clusterChat {
	t.Helper()
	cfg := serverConfig(t, "")
	cfg.RedisURL, cfg.RedisAddress, cfg.RedisCluster = "", "", strings.Join(c.Addrs(), ",")
	cfg.HistoryLimit = 5000 // a join page holds the whole of a test's channel
	servers := startServers(t, cfg, cfg)
	ch := &clusterChat{c: c, cfg: cfg, urls: urls(servers)}
	keys := chatcore.NewKeys(cfg.KeyPrefix)

	generalSlot := c.KeySlot(keys.ChannelLog(chatcore.General().ID))
	owner := c.SlotOwner(generalSlot)
	a := signUpAccount(t, ch.urls[0], "alice")
	var b account
	privateSlot := -1
	for i := 0; privateSlot < 0; i++ {
		if i == 40 {
			t.Fatalf("40 users for bob, none with a private channel with alice on %s\n%s", owner, c.Describe())
		}
		b = signUpAccount(t, ch.urls[1], fmt.Sprintf("bob%d", i))
		if s := c.KeySlot(keys.ChannelLog(chatcore.Private(a.uuid, b.uuid).ID)); c.SlotOwner(s) == owner {
			privateSlot = s
		}
	}

	g := NewFleet(t, FleetConfig{URLs: ch.urls, Clients: 6, Senders: 3, Interval: 50 * time.Millisecond, Reconnect: true})
	ch.general = &chatChannel{name: "general", slot: generalSlot, fleets: []*Fleet{g},
		addNew: func() *Client { return g.Add(ch.urls[0], true) }}

	// Each user has a sending connection on one instance and a silent one
	// on the other.
	pcfg := FleetConfig{URLs: ch.urls, Interval: 80 * time.Millisecond, Reconnect: true}
	pcfg.Recipient = b.uuid
	pa := NewFleet(t, pcfg)
	pcfg.Recipient = a.uuid
	pb := NewFleet(t, pcfg)
	addAs(t, pa, ch.urls[0], a, true)
	addAs(t, pa, ch.urls[1], a, false)
	addAs(t, pb, ch.urls[1], b, true)
	addAs(t, pb, ch.urls[0], b, false)
	ch.private = &chatChannel{name: "private", slot: privateSlot, fleets: []*Fleet{pa, pb},
		addNew: func() *Client { return addAs(t, pa, ch.urls[1], a, false) }}

	for _, cc := range ch.channels() {
		cc.epoch = last(cc.fleets[0].Clients()[0].Epochs())
		if cc.epoch == "" {
			t.Fatalf("%s: the join reply carried no epoch", cc.name)
		}
		cc.errs = watchErrors(t, cc.fleets)
	}
	t.Logf("General in slot %d, the private channel in slot %d, both on %s; instances %s\n%s",
		generalSlot, privateSlot, owner, strings.Join(ch.urls, ", "), c.Describe())
	return ch
}

func (ch *clusterChat) channels() []*chatChannel { return []*chatChannel{ch.general, ch.private} }

func (ch *clusterChat) fleets() []*Fleet {
	return append(slices.Clone(ch.general.fleets), ch.private.fleets...)
}

// signUpAccount signs name up on the server at url, on a websocket of its
// own that it then closes.
func signUpAccount(t *testing.T, url, name string) account {
	t.Helper()
	ws := chattest.Dial(t, url)
	defer ws.Conn.Close()
	auth := ws.SignUp(name)
	return account{uuid: auth.UserUUID, key: auth.AccessKey}
}

// addAs is Fleet.Add for a client that signs in with acc's access key
// instead of signing up: several connections of one user, as a private
// channel's members are. It joins the fleet's channel; when sender, it
// sends at the next StartSending.
func addAs(t *testing.T, f *Fleet, url string, acc account, sender bool) *Client {
	t.Helper()
	f.mu.Lock()
	name := fmt.Sprintf("c%d-%s", f.seq, f.tag)
	f.seq++
	f.mu.Unlock()
	c := newClient(f, name, url, true, sender)
	c.user, c.accessKey = acc.uuid, acc.key
	started := make(chan error, 1)
	f.wg.Add(1)
	go c.run(started)
	if err := <-started; err != nil {
		t.Fatalf("fleet: client %s as %s on %s: %v", name, acc.uuid, url, err)
	}
	f.mu.Lock()
	f.clients = append(f.clients, c)
	f.mu.Unlock()
	return c
}

func (ch *clusterChat) startSending() {
	for _, f := range ch.fleets() {
		f.StartSending()
	}
}

// stopSending stops every sender and waits until each has its last
// message acknowledged or gave up; each channel keeps when that was, for
// each of its fleets.
func (ch *clusterChat) stopSending() {
	now := time.Now()
	for _, cc := range ch.channels() {
		cc.stopped, cc.drained = now, map[*Fleet]time.Time{}
	}
	fleets := ch.fleets()
	done := make([]time.Time, len(fleets))
	var wg sync.WaitGroup
	for i, f := range fleets {
		wg.Go(func() { f.StopSending(); done[i] = time.Now() })
	}
	wg.Wait()
	for _, cc := range ch.channels() {
		for _, f := range cc.fleets {
			cc.drained[f] = done[slices.Index(fleets, f)]
		}
	}
}

// sendSteadily starts the senders and waits until each channel has n
// messages acknowledged, with no error frame: the chat works before the
// fault.
func (ch *clusterChat) sendSteadily(t *testing.T, n int) {
	t.Helper()
	ch.startSending()
	ch.waitAcked(t, time.Time{}, n, 30*time.Second, "before the fault")
	for _, cc := range ch.channels() {
		if cc.errs.count() > 0 {
			t.Fatalf("%s: error frames before any fault: %s", cc.name, cc.summary())
		}
	}
}

// waitAcked waits until every channel has n messages acknowledged at or
// after since, failing the test after d.
func (ch *clusterChat) waitAcked(t *testing.T, since time.Time, n int, d time.Duration, what string) {
	t.Helper()
	for _, cc := range ch.channels() {
		ok := cc.waitUntil(d, func() bool { return len(acksSince(cc.acks(), since)) >= n })
		if !ok {
			t.Fatalf("%s: %s: %d messages acknowledged since %s, want %d within %s; %s", what, cc.name,
				len(acksSince(cc.acks(), since)), since.Format("15:04:05.000"), n, d, cc.summary())
		}
	}
}

// settle stops the senders, has a new member join each channel (its join
// reply is the channel's stream, the whole of it) and waits until every
// member has the stream's last offset.
func (ch *clusterChat) settle(t *testing.T) {
	t.Helper()
	ch.stopSending()
	for _, cc := range ch.channels() {
		cc.observer = cc.addNew()
		top := cc.observer.Last()
		for _, f := range cc.fleets {
			if behind := f.WaitCaughtUp(top, 20*time.Second); len(behind) > 0 {
				t.Errorf("%s: 20 s after the senders stopped, not every member has the last offset %d: %s",
					cc.name, top, strings.Join(behind, ", "))
			}
		}
	}
}

// acks returns the channel's acknowledged messages, oldest first.
func (cc *chatChannel) acks() []Ack {
	var out []Ack
	for _, f := range cc.fleets {
		out = append(out, f.Acks()...)
	}
	slices.SortStableFunc(out, func(a, b Ack) int { return a.At.Compare(b.At) })
	return out
}

func (cc *chatChannel) clients() []*Client {
	var out []*Client
	for _, f := range cc.fleets {
		out = append(out, f.Clients()...)
	}
	return out
}

// waitUntil is Fleet.WaitUntil over the channel's fleets (one or two):
// cond is checked at every change of any of them.
func (cc *chatChannel) waitUntil(d time.Duration, cond func() bool) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	progress := func(i int) <-chan struct{} {
		if i >= len(cc.fleets) {
			return nil
		}
		f := cc.fleets[i]
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.progress
	}
	for {
		p0, p1 := progress(0), progress(1) // taken before cond: a change after it closes one
		if cond() {
			return true
		}
		select {
		case <-p0:
		case <-p1:
		case <-timer.C:
			return false
		}
	}
}

func (cc *chatChannel) summary() string {
	var parts []string
	for _, f := range cc.fleets {
		parts = append(parts, f.Stats().Summary())
	}
	return strings.Join(parts, " | ")
}

// acksBefore returns the acknowledgements up to until.
func acksBefore(acks []Ack, until time.Time) []Ack {
	var out []Ack
	for _, a := range acks {
		if !a.At.After(until) {
			out = append(out, a)
		}
	}
	return out
}

func acksSince(acks []Ack, since time.Time) []Ack {
	var out []Ack
	for _, a := range acks {
		if !a.At.Before(since) {
			out = append(out, a)
		}
	}
	return out
}
