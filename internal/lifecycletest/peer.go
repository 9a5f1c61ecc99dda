package lifecycletest

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Peer is one chat user's client in the general channel, across
// reconnections. It checks every message it receives against the
// channel's offsets: each must be one past the last (no gap, no
// duplicate), and a clientID must come once. A message it sent is
// acknowledged when its own copy comes back, live or in a rejoin's
// recovered history; until then a resend after a reconnect repeats its
// clientID.
type Peer struct {
	Name      string
	UserUUID  string
	AccessKey string

	mu        sync.Mutex
	link      *link
	joined    bool   // the current websocket has its join reply
	everJoin  bool   // a join reply came on some websocket
	joinSince bool   // the join in flight recovers from last
	epoch     string // the stream's epoch, from the first join reply
	dataEpoch string // the first ready frame's
	base      int64  // the offset this peer's view starts after
	last      int64  // the last offset received
	byOffset  map[int64]Msg
	clientIDs map[string]int64 // offset of every clientID received
	unacked   map[string]string
	acked     map[string]int64 // offset of each own message acknowledged
	sendErrs  map[int]int      // error codes of failed sends
	recovered int              // messages received in rejoin replies
	problems  []string
	changed   chan struct{} // closed and replaced when a message comes
}

// NewPeer returns a peer that is not connected yet.
func NewPeer(name string) *Peer {
	return &Peer{
		Name: name, byOffset: map[int64]Msg{}, clientIDs: map[string]int64{},
		unacked: map[string]string{}, acked: map[string]int64{}, sendErrs: map[int]int{},
		changed: make(chan struct{}),
	}
}

// Connect opens a new websocket to baseURL (the previous one must have
// ended) and takes the ready frame.
func (p *Peer) Connect(baseURL string) error {
	l, raw, err := dialLink(baseURL, handlers{message: p.onMessage, join: p.onJoin, sendError: p.onSendError})
	if err != nil {
		return fmt.Errorf("%s: %w", p.Name, err)
	}
	var ready struct {
		DataEpoch string `json:"dataEpoch"`
	}
	_ = json.Unmarshal(raw, &ready)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.link, p.joined = l, false
	if p.dataEpoch != "" && ready.DataEpoch != p.dataEpoch {
		p.problem("ready: dataEpoch %q, the first connection's was %q", ready.DataEpoch, p.dataEpoch)
	}
	if p.dataEpoch == "" {
		p.dataEpoch = ready.DataEpoch
	}
	return nil
}

// Close closes the current websocket, if any.
func (p *Peer) Close() {
	if l := p.current(); l != nil {
		_ = l.conn.Close()
		<-l.done
	}
}

func (p *Peer) current() *link {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.link
}

// Closed is closed when the current websocket ends.
func (p *Peer) Closed() <-chan struct{} { return p.current().done }

// CloseCode returns how the current websocket ended (-1: cut) and when,
// once Closed is closed.
func (p *Peer) CloseCode() (int, time.Time) {
	l := p.current()
	<-l.done
	return l.closeCode, l.closedAt
}

// SignUp signs up the peer's name.
func (p *Peer) SignUp() error {
	return p.auth(map[string]string{"username": p.Name, "password": "pw-" + p.Name}, "signUp")
}

// SignInKey resumes the peer's session with its access key.
func (p *Peer) SignInKey() error {
	return p.auth(map[string]string{"accessKey": p.AccessKey}, "signIn")
}

func (p *Peer) auth(payload map[string]string, typ string) error {
	l := p.current()
	if err := l.send(typ, payload); err != nil {
		return fmt.Errorf("%s: %s: %w", p.Name, typ, err)
	}
	raw, err := l.expect("authorized", 10*time.Second)
	if err != nil {
		return fmt.Errorf("%s: %s: %w", p.Name, typ, err)
	}
	var a struct {
		UserUUID  string `json:"userUUID"`
		AccessKey string `json:"accessKey"`
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return err
	}
	p.mu.Lock()
	p.UserUUID, p.AccessKey = a.UserUUID, a.AccessKey
	p.mu.Unlock()
	return nil
}

// Join joins the general channel: the first time plainly, later with since
// (the last offset received) and the epoch of the first join, as a client
// does after a reconnect. The reply's messages are checked like live ones.
func (p *Peer) Join() (JoinReply, error) {
	p.mu.Lock()
	l, since := p.link, p.everJoin
	req := map[string]any{"recipientUUID": ""}
	if since {
		req["since"], req["epoch"] = p.last, p.epoch
	}
	p.joinSince = since
	p.mu.Unlock()
	if err := l.send("channelJoin", req); err != nil {
		return JoinReply{}, fmt.Errorf("%s: channelJoin: %w", p.Name, err)
	}
	raw, err := l.expect("channelJoin", 10*time.Second)
	if err != nil {
		return JoinReply{}, fmt.Errorf("%s: channelJoin %v: %w", p.Name, req, err)
	}
	var r JoinReply
	err = json.Unmarshal(raw, &r)
	return r, err
}

// Send sends a message to the general channel with clientID. It stays
// unacknowledged until its copy comes back.
func (p *Peer) Send(clientID string) error {
	text := p.Name + " " + clientID
	p.mu.Lock()
	l := p.link
	p.unacked[clientID] = text
	p.mu.Unlock()
	return l.send("channelMessage", map[string]any{"recipientUUID": "", "message": text, "clientID": clientID})
}

// Resend sends every unacknowledged message again, with its clientID, and
// returns how many.
func (p *Peer) Resend() (int, error) {
	p.mu.Lock()
	l := p.link
	ids := make([]string, 0, len(p.unacked))
	for id := range p.unacked {
		ids = append(ids, id)
	}
	texts := make([]string, len(ids))
	sort.Strings(ids)
	for i, id := range ids {
		texts[i] = p.unacked[id]
	}
	p.mu.Unlock()
	for i, id := range ids {
		if err := l.send("channelMessage", map[string]any{"recipientUUID": "", "message": texts[i], "clientID": id}); err != nil {
			return i, err
		}
	}
	return len(ids), nil
}

// Unacked returns how many of its messages the peer has not seen back.
func (p *Peer) Unacked() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.unacked)
}

// WaitFor waits until cond (called with the peer's lock held) holds, the
// current websocket ends, or within passes.
func (p *Peer) WaitFor(what string, within time.Duration, cond func(*Peer) bool) error {
	timeout := time.After(within)
	for {
		p.mu.Lock()
		ok, changed, done := cond(p), p.changed, p.link.done
		p.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-done:
			return fmt.Errorf("%s: connection closed while waiting for %s", p.Name, what)
		case <-timeout:
			return fmt.Errorf("%s: no %s within %s", p.Name, what, within)
		}
	}
}

// WaitAcked waits until every message the peer sent has come back.
func (p *Peer) WaitAcked(within time.Duration) error {
	return p.WaitFor("acknowledgement of every message", within, func(p *Peer) bool { return len(p.unacked) == 0 })
}

// WaitOffset waits until the peer has received offset top.
func (p *Peer) WaitOffset(top int64, within time.Duration) error {
	return p.WaitFor(fmt.Sprintf("offset %d", top), within, func(p *Peer) bool { return p.last >= top })
}

// View is what a peer has, for a test's checks.
type View struct {
	Base, Last int64
	Received   map[int64]Msg
	Acked      map[string]int64 // own clientIDs acknowledged, with their offsets
	SendErrors map[int]int
	Recovered  int // messages received in rejoin replies
	Problems   []string
	Epoch      string // the stream's, from the first join
	DataEpoch  string // the first ready frame's
}

// View returns a copy of what the peer has received.
func (p *Peer) View() View {
	p.mu.Lock()
	defer p.mu.Unlock()
	v := View{Base: p.base, Last: p.last, Received: map[int64]Msg{}, Acked: map[string]int64{},
		SendErrors: map[int]int{}, Recovered: p.recovered, Problems: append([]string(nil), p.problems...),
		Epoch: p.epoch, DataEpoch: p.dataEpoch}
	for k, m := range p.byOffset {
		v.Received[k] = m
	}
	for k, o := range p.acked {
		v.Acked[k] = o
	}
	for k, n := range p.sendErrs {
		v.SendErrors[k] = n
	}
	return v
}
