package chatcore

import (
	"slices"
	"strings"
	"sync"

	"github.com/gorilla/websocket"
)

// presenceFanout is one push of presence changes to every signed-in
// connection, each told of the users in its view (view.go). The users are
// sorted as the listing orders them, so what a connection is told is a
// first part of them, plus at most its own user and its private channel's
// other member: each distinct first part is encoded once, for every shard.
type presenceFanout struct {
	users []User
	keys  []string       // their index members, sorted
	index map[string]int // user ID -> position

	mu     sync.Mutex
	frames map[int]*websocket.PreparedMessage // the first n users' push, by n
	alone  map[int]*websocket.PreparedMessage // one user's push, by position
}

func newPresenceFanout(users []User) *presenceFanout {
	users = slices.Clone(users)
	slices.SortFunc(users, func(a, b User) int {
		return strings.Compare(sortMember(a.Username, a.UUID), sortMember(b.Username, b.UUID))
	})
	p := &presenceFanout{
		users: users, keys: make([]string, len(users)), index: make(map[string]int, len(users)),
		frames: map[int]*websocket.PreparedMessage{}, alone: map[int]*websocket.PreparedMessage{},
	}
	for i, u := range users {
		p.keys[i] = sortMember(u.Username, u.UUID)
		p.index[u.UUID] = i
	}
	return p
}

// first is the push of the first n users: the protocol's presence frame
// for one, a presenceBatch for more.
func (p *presenceFanout) first(n int) *websocket.PreparedMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pm := p.frames[n]; pm != nil {
		return pm
	}
	frame := presenceFrame(p.users[0])
	if n > 1 {
		frame = presenceBatchFrame(p.users[:n])
	}
	pm := prepare(frame)
	p.frames[n] = pm
	return pm
}

// one is the push of the user at position i alone.
func (p *presenceFanout) one(i int) *websocket.PreparedMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pm := p.alone[i]; pm != nil {
		return pm
	}
	pm := prepare(presenceFrame(p.users[i]))
	p.alone[i] = pm
	return pm
}

// pushPresence queues what c is told of p: the users of its view, and its
// own user and private peer when they are beyond it.
func (c *Conn) pushPresence(p *presenceFanout) {
	c.mu.Lock()
	if !c.signedIn {
		c.mu.Unlock()
		return
	}
	n := c.view.shown(p.keys)
	var extra []int
	for _, id := range []string{c.user.UUID, c.peerLocked()} {
		if i, ok := p.index[id]; ok && id != "" && i >= n {
			extra = append(extra, i)
		}
	}
	c.mu.Unlock()
	if n > 0 {
		c.push(outFrame{pm: p.first(n)})
	}
	for _, i := range extra {
		c.push(outFrame{pm: p.one(i)})
	}
}

// peerLocked is the other member of the private channel c is joined to,
// "" when it is not joined to one.
func (c *Conn) peerLocked() string {
	if !c.joined || !c.channel.IsPrivate() {
		return ""
	}
	if c.channel.Members[0] == c.user.UUID {
		return c.channel.Members[1]
	}
	return c.channel.Members[0]
}
