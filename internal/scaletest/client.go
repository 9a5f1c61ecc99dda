package scaletest

import (
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/redischat/chat/internal/chattest"
)

// Client is one user's client, across the sockets it opens one after the
// other (at most one at a time) on any instance. Its streams (what it
// received of each channel, and where) outlive a socket, as a browser
// client's do; its event logs, replies and joined channel are the current
// socket's.
type Client struct {
	Name string
	UUID string
	Key  string // the access key of the last sign-in
	Inst int    // the instance of the current (or last) socket

	t   *testing.T
	url func(int) string
	led *ledger
	ws  *chattest.WS

	signedIn bool
	joined   bool
	chName   string   // the channel joined, named as this client names it
	join     *joinReq // the channelJoin in flight

	streams map[string]*stream // by channel ID
	logs    map[evKey]*evLog   // presence and member events, by subject
	replies []chattest.Frame   // replies not yet taken, in order
	typing  []typingPush
	notify  []notifyPush
	waiting string // what the client waits for, for a failure's log
}

type joinReq struct {
	name  string
	since bool
}

// stream is what a client received of a channel: every message after base,
// in offset order, each once (observe fails the test otherwise).
type stream struct {
	epoch string
	base  int64
	last  int64
	got   []message
}

func (c *Client) String() string { return c.Name + "@" + InstanceName(c.Inst) }

// chID is the ID of the channel the client is joined to.
func (c *Client) chID() string { return channelID(c.UUID, c.chName) }

// Stream returns what the client received of the channel it names name.
func (c *Client) Stream(name string) *stream { return c.streams[channelID(c.UUID, name)] }

// Dial opens a socket to instance inst; the previous one must be closed.
func (c *Client) Dial(inst int) {
	c.t.Helper()
	if c.ws != nil {
		c.t.Fatalf("%s: dial with a socket open", c)
	}
	c.Inst, c.ws = inst, chattest.Dial(c.t, c.url(inst))
	c.replies, c.logs = nil, map[evKey]*evLog{}
}

// SignUp signs the client's name up (password "pw-" + name).
func (c *Client) SignUp() {
	c.t.Helper()
	c.beginPresence()
	c.ws.Send("signUp", map[string]string{"username": c.Name, "password": "pw-" + c.Name})
	c.takeAuth()
}

// SignInKey resumes the client's session with its access key.
func (c *Client) SignInKey() {
	c.t.Helper()
	c.beginPresence()
	c.ws.Send("signIn", map[string]string{"accessKey": c.Key})
	c.takeAuth()
}

func (c *Client) takeAuth() {
	c.t.Helper()
	var a auth
	c.Reply("authorized").Payload(c.t, &a)
	var s sysPush
	if c.Reply("sys").Payload(c.t, &s); s.Type != "signIn" {
		c.t.Fatalf("%s: want sys signIn after authorized, got %+v", c, s)
	}
	if c.UUID != "" && a.UserUUID != c.UUID || a.AccessKey == "" {
		c.t.Fatalf("%s: authorized %+v, want user %s and a key", c, a, c.UUID)
	}
	c.UUID, c.Key = a.UserUUID, a.AccessKey
	c.led.names[c.UUID] = c.Name
}

// SignOut signs the socket out; the reply ends its presence and channel.
func (c *Client) SignOut() {
	c.t.Helper()
	c.ws.Send("signOut", nil)
	var p struct {
		UUID string `json:"uuid"`
	}
	if c.Reply("signOut").Payload(c.t, &p); p.UUID != c.UUID {
		c.t.Fatalf("%s: signOut %+v, want uuid %s", c, p, c.UUID)
	}
}

// Close closes the socket as a browser does (a close frame) and waits for
// the server to end it. Frames still on the way are lost with it, as they
// are for a browser: the client rejoins with since.
func (c *Client) Close() {
	c.t.Helper()
	c.endSession()
	_ = c.ws.Conn.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(5*time.Second))
	c.ws.WaitClosed()
	c.ws = nil
}

// endSession checks what the socket was told before its session ends (the
// socket closes, or signs out): every reply taken, every event awaited.
func (c *Client) endSession() {
	c.t.Helper()
	if c.join != nil {
		c.t.Fatalf("%s: socket ends with a channelJoin in flight", c)
	}
	if len(c.replies) > 0 {
		c.t.Fatalf("%s: socket ends with a reply not taken: %s", c, c.replies[0].Raw)
	}
	if c.joined {
		c.endMembers()
	}
	if c.signedIn {
		c.endPresence()
	}
}

// StartJoin asks to join the channel name ("" for general, else the other
// member's UUID); with since, from the last offset received there and its
// epoch. FinishJoin takes the reply.
func (c *Client) StartJoin(name string, since bool) {
	c.t.Helper()
	p := map[string]any{"recipientUUID": name}
	if since {
		s := c.Stream(name)
		if s == nil {
			c.t.Fatalf("%s: join %q since: never joined it", c, name)
		}
		p["since"], p["epoch"] = s.last, s.epoch
	}
	c.join = &joinReq{name: name, since: since}
	c.ws.Send("channelJoin", p)
}

// FinishJoin takes the reply of StartJoin, which observe has applied.
func (c *Client) FinishJoin() JoinReply {
	c.t.Helper()
	var r JoinReply
	c.Reply("channelJoin").Payload(c.t, &r)
	return r
}

// SendMessage sends text to the channel joined, with clientID.
func (c *Client) SendMessage(text, clientID string) { c.SendTo(c.chName, text, clientID) }

// SendTo sends text to the channel the client names name, joined or not.
func (c *Client) SendTo(name, text, clientID string) {
	c.t.Helper()
	c.ws.Send("channelMessage", map[string]any{"recipientUUID": name, "message": text, "clientID": clientID})
}

// Sync sends a request with a reply and takes it: replies come in the
// order of the requests, so every request sent before has been handled,
// and whatever it published is in Redis.
func (c *Client) Sync() {
	c.t.Helper()
	c.ws.Send("channels", nil)
	c.Reply("channels")
}

// SendTyping says the client types in the channel joined.
func (c *Client) SendTyping() {
	c.t.Helper()
	c.ws.Send("typing", map[string]any{"recipientUUID": c.chName})
}

// Reply takes the next reply, which must be of type typ.
func (c *Client) Reply(typ string) chattest.Frame {
	c.t.Helper()
	c.Until("a "+typ+" reply", func() bool { return len(c.replies) > 0 })
	f := c.replies[0]
	c.replies = c.replies[1:]
	if f.Type != typ {
		c.t.Fatalf("%s: want a %s reply, got %s", c, typ, f.Raw)
	}
	return f
}

// Until reads the socket's frames until cond holds. Each frame may take
// chattest.Wait to come; a frame that breaks a rule fails the test at once.
func (c *Client) Until(what string, cond func() bool) {
	c.t.Helper()
	c.waiting = what
	for !cond() {
		c.observe(c.ws.Next())
	}
	c.waiting = ""
}

// AwaitEvent waits for the next event about k's subject, which must be on
// (online, or joined). A first copy of the state the subject was in when
// the client's window opened is taken as a late echo, not a change.
func (c *Client) AwaitEvent(k evKey, on bool, what string) {
	c.t.Helper()
	c.Until(what, func() bool {
		ok, err := c.logOf(k).take(on)
		if err != nil {
			c.t.Fatalf("%s, waiting for %s: %v", c, what, err)
		}
		return ok
	})
}
