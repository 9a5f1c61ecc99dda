package faulttest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// FleetConfig says what clients a fleet has and how they send.
type FleetConfig struct {
	URLs      []string      // servers (http://host:port); clients are spread over them in turn
	Clients   int           // members at the start
	Senders   int           // the first Senders clients send messages
	Interval  time.Duration // between one sender's messages; default 50ms
	Recipient string        // the channel's recipientUUID: "" for General

	Reconnect       bool // connect again when a connection ends, as the browser client does
	MoveOnReconnect bool // and to the next URL, as after a deploy

	SendTimeout  time.Duration // a send with neither echo nor error frame within it is a hang; default 8s
	DrainTimeout time.Duration // how long StopSending lets a sender retry its last message; default 10s
}

// Fleet is a set of chat clients that keeps a ledger: which messages were
// acknowledged to their senders (the sender received its own message back,
// matched by clientID) and which messages every member received.
type Fleet struct {
	t   testing.TB
	cfg FleetConfig
	tag string

	quit chan struct{}
	wg   sync.WaitGroup // every goroutine of every client

	sendMu  sync.Mutex // StartSending and StopSending
	sending *sendRun

	mu       sync.Mutex // after Client.mu, never before
	clients  []*Client
	acked    map[string]Ack // by clientID
	order    []string       // clientIDs in the order acknowledged
	twice    []string       // clientIDs acknowledged with two different messages
	progress chan struct{}  // closed and replaced at every change
	lat      Latency
	seq      int
}

// Ack is a message acknowledged to its sender.
type Ack struct {
	ClientID string
	UUID     string
	Offset   int64
	Sender   string // client name
	At       time.Time
}

// Latency is how long sends took to come back.
type Latency struct {
	Sends     int           // channelMessage frames written (retries included)
	MaxAck    time.Duration // send to own echo, slowest
	MaxError  time.Duration // send to error frame, slowest
	Hangs     int           // sends with no outcome within SendTimeout
	Abandoned int           // messages never acknowledged when StopSending gave up
}

// NewFleet connects cfg.Clients clients, each signed up and joined, and
// closes them when the test ends. It does not send until StartSending.
func NewFleet(t testing.TB, cfg FleetConfig) *Fleet {
	t.Helper()
	if len(cfg.URLs) == 0 {
		t.Fatal("fleet: no URLs")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 50 * time.Millisecond
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = 8 * time.Second
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 10 * time.Second
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	f := &Fleet{
		t: t, cfg: cfg, tag: hex.EncodeToString(b[:]),
		quit: make(chan struct{}), acked: map[string]Ack{}, progress: make(chan struct{}),
	}
	t.Cleanup(f.close)
	var wg sync.WaitGroup
	errs := make([]error, cfg.Clients)
	for i := range cfg.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.add(cfg.URLs[i%len(cfg.URLs)], true, i < cfg.Senders)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("fleet: %v", err)
		}
	}
	return f
}

// Add connects one more client to url, signed up, and joined when join is
// true (else see Client.JoinAsync). It does not send.
func (f *Fleet) Add(url string, join bool) *Client {
	f.t.Helper()
	c, err := f.add(url, join, false)
	if err != nil {
		f.t.Fatalf("fleet: %v", err)
	}
	return c
}

func (f *Fleet) add(url string, join, sender bool) (*Client, error) {
	f.mu.Lock()
	name := fmt.Sprintf("c%d-%s", f.seq, f.tag)
	f.seq++
	f.mu.Unlock()
	c := newClient(f, name, url, join, sender)
	started := make(chan error, 1)
	f.wg.Add(1)
	go c.run(started)
	if err := <-started; err != nil {
		return nil, fmt.Errorf("client %s on %s: %w", name, url, err)
	}
	f.mu.Lock()
	f.clients = append(f.clients, c)
	f.mu.Unlock()
	return c, nil
}

// Clients returns the fleet's clients.
func (f *Fleet) Clients() []*Client {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.clients)
}

func (f *Fleet) nextURL(cur string) string {
	i := slices.Index(f.cfg.URLs, cur)
	return f.cfg.URLs[(i+1)%len(f.cfg.URLs)]
}

// ack records that c received its own message m back.
func (f *Fleet) ack(c *Client, m wireMessage) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if prev, ok := f.acked[m.ClientID]; ok {
		if prev.UUID != m.UUID {
			f.twice = append(f.twice, fmt.Sprintf("%s: %s at %d and %s at %d", m.ClientID, prev.UUID, prev.Offset, m.UUID, m.Offset))
		}
		return
	}
	f.acked[m.ClientID] = Ack{ClientID: m.ClientID, UUID: m.UUID, Offset: m.Offset, Sender: c.Name, At: time.Now()}
	f.order = append(f.order, m.ClientID)
}

func (f *Fleet) isAcked(clientID string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.acked[clientID]
	return ok
}

// bump wakes everyone waiting for progress.
func (f *Fleet) bump() {
	f.mu.Lock()
	defer f.mu.Unlock()
	close(f.progress)
	f.progress = make(chan struct{})
}

// Acked returns how many messages were acknowledged so far.
func (f *Fleet) Acked() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.order)
}

// Acks returns the acknowledged messages, in the order acknowledged.
func (f *Fleet) Acks() []Ack {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Ack, len(f.order))
	for i, id := range f.order {
		out[i] = f.acked[id]
	}
	return out
}

// WaitAcked waits until n messages in all were acknowledged and returns
// when the n-th was; false after d.
func (f *Fleet) WaitAcked(n int, d time.Duration) (time.Time, bool) {
	var at time.Time
	ok := f.WaitUntil(d, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.order) < n {
			return false
		}
		at = f.acked[f.order[n-1]].At
		return true
	})
	return at, ok
}

// WaitUntil waits until cond holds, checking it at each change of any
// client or of the ledger; false after d. cond takes the locks it needs:
// none is held when it is called.
func (f *Fleet) WaitUntil(d time.Duration, cond func() bool) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		f.mu.Lock()
		progress := f.progress // taken before cond: a change after it closes it
		f.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-progress:
		case <-timer.C:
			return false
		case <-f.quit:
			return false
		}
	}
}

// WaitCaughtUp waits until every client is live with top as its last
// offset; it returns the names of those that are not after d.
func (f *Fleet) WaitCaughtUp(top int64, d time.Duration) []string {
	var behind []string
	f.WaitUntil(d, func() bool {
		behind = behind[:0]
		for _, c := range f.Clients() {
			c.mu.Lock()
			if !c.live || c.last != top {
				behind = append(behind, fmt.Sprintf("%s (live %v, last %d)", c.Name, c.live, c.last))
			}
			c.mu.Unlock()
		}
		return len(behind) == 0
	})
	return behind
}

// Latency returns the senders' timings.
func (f *Fleet) Latency() Latency {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lat
}

func (f *Fleet) close() {
	f.sendMu.Lock()
	if f.sending != nil {
		close(f.sending.stop)
	}
	f.sendMu.Unlock()
	close(f.quit)
	for _, c := range f.Clients() {
		c.Drop()
	}
	f.wg.Wait()
}
