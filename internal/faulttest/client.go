package faulttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// replyWait bounds each step of the connection sequence.
const replyWait = 10 * time.Second

// Client is one member of a fleet: signed up, joined to the fleet's
// channel (unless added without), reconnecting as the browser client does.
type Client struct {
	f      *Fleet
	Name   string
	sender bool

	outcomes chan outcome // to this client's sender
	sent     int          // messages its sender started, numbering their clientIDs

	// The rest is guarded by mu (taken before Fleet.mu, never after).
	mu          sync.Mutex
	changed     chan struct{} // closed and replaced when live or the view changes
	url         string
	sess        *session // the current connection, nil between connections
	live        bool     // sess is signed in and, when wantJoin, joined
	wantJoin    bool
	joinedOnce  bool
	joinSince   *int64 // since of the join request in flight
	user        string
	generation  int // bumped each time the client signs up again
	accessKey   string
	dataEpochs  []string // each distinct ready.dataEpoch seen, in order
	epochs      []string // each distinct channel epoch seen, in order
	view        map[int64]Entry
	first       int64 // lowest offset the client must have: where its view began
	last        int64 // highest offset it has
	outstanding string
	st          ClientStats
	notes       []string
}

// outcome is what became of one send.
type outcome struct {
	clientID string
	code     int // 0: acknowledged (the echo came), else the error frame's code
}

func newClient(f *Fleet, name, url string, join, sender bool) *Client {
	return &Client{
		f: f, Name: name, sender: sender, url: url, wantJoin: join,
		outcomes: make(chan outcome, 8), changed: make(chan struct{}),
		view: map[int64]Entry{}, first: 1,
		st: ClientStats{CloseCodes: map[int]int{}, Errors: map[int]int{}},
	}
}

// run owns the client's connections: it connects, waits for the
// connection to end, and connects again until the fleet closes. The first
// attempt's result goes to started.
func (c *Client) run(started chan<- error) {
	defer c.f.wg.Done()
	backoff := 50 * time.Millisecond
	for first := true; ; first = false {
		s, err := c.connect()
		if first {
			started <- err
			if err != nil {
				return
			}
		}
		if err != nil {
			c.note("reconnect to %s failed: %v", c.currentURL(), err)
			select {
			case <-c.f.quit:
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		select {
		case <-s.done:
		case <-c.f.quit:
			_ = s.ws.Close()
			<-s.done
			return
		}
		if !c.ended(s) {
			return
		}
	}
}

// ended records how s ended and reports whether to connect again.
func (c *Client) ended(s *session) bool {
	c.mu.Lock()
	c.sess, c.live = nil, false
	if !s.dropped {
		c.st.CloseCodes[closeCode(s.err)]++
	}
	c.st.Reconnects++
	if c.f.cfg.MoveOnReconnect {
		c.url = c.f.nextURL(c.url)
	}
	c.bumpLocked()
	c.mu.Unlock()
	select {
	case <-c.f.quit:
		return false
	default:
		return c.f.cfg.Reconnect
	}
}

func (c *Client) currentURL() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.url
}

// connect dials, signs in (with the access key, or up again when it is
// gone) and joins, and marks the client live.
func (c *Client) connect() (*session, error) {
	dialer := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	ws, _, err := dialer.Dial(wsURL(c.currentURL()), nil)
	if err != nil {
		return nil, err
	}
	s := newSession(ws)
	c.f.wg.Add(1)
	go c.read(s)
	c.mu.Lock()
	c.sess = s
	c.mu.Unlock()
	if err := c.handshake(s); err != nil {
		_ = ws.Close()
		<-s.done
		c.mu.Lock()
		c.sess = nil
		c.mu.Unlock()
		return nil, err
	}
	c.mu.Lock()
	c.live = true
	c.bumpLocked()
	c.mu.Unlock()
	return s, nil
}

func (c *Client) handshake(s *session) error {
	if _, err := s.await("ready", replyWait, c.f.quit); err != nil {
		return err
	}
	if err := c.authenticate(s); err != nil {
		return err
	}
	c.mu.Lock()
	join := c.wantJoin
	c.mu.Unlock()
	if join {
		return c.join(s, replyWait)
	}
	return nil
}

// authenticate resumes with the access key; when the server no longer
// knows it (401), or there is none yet, it signs up (again, under a new
// name: the old one may be gone or taken).
func (c *Client) authenticate(s *session) error {
	c.mu.Lock()
	key := c.accessKey
	c.mu.Unlock()
	if key != "" {
		if err := s.send("signIn", map[string]string{"accessKey": key}); err != nil {
			return err
		}
		_, err := s.await("authorized", replyWait, c.f.quit)
		if err == nil {
			return nil
		}
		if !IsCode(err, 401) {
			return err
		}
		c.mu.Lock()
		c.st.SessionsLost++
		c.accessKey = ""
		c.generation++
		c.notes = append(c.notes, "signIn {accessKey} answered 401: signing up again")
		c.mu.Unlock()
	}
	c.mu.Lock()
	name := c.Name
	if c.generation > 0 {
		name = fmt.Sprintf("%s-%d", c.Name, c.generation)
	}
	c.mu.Unlock()
	if err := s.send("signUp", map[string]string{"username": name, "password": "pw-" + name}); err != nil {
		return err
	}
	f, err := s.await("authorized", replyWait, c.f.quit)
	if err != nil {
		if IsCode(err, 409) { // an earlier attempt went through: use another name
			c.mu.Lock()
			c.generation++
			c.mu.Unlock()
		}
		return err
	}
	var a authorizedPayload
	if err := json.Unmarshal(f.payload, &a); err != nil || a.AccessKey == "" {
		return fmt.Errorf("authorized frame without an access key: %s", f.payload)
	}
	c.mu.Lock()
	c.user, c.accessKey = a.UserUUID, a.AccessKey
	c.mu.Unlock()
	return nil
}

// join sends channelJoin, with since and epoch once the client has a
// position, and waits for the reply, which the reader applies.
func (c *Client) join(s *session, d time.Duration) error {
	p := map[string]any{"recipientUUID": c.f.cfg.Recipient}
	c.mu.Lock()
	c.wantJoin = true
	c.joinSince = nil
	if c.joinedOnce {
		since := c.last
		c.joinSince = &since
		p["since"] = since
		if n := len(c.epochs); n > 0 {
			p["epoch"] = c.epochs[n-1]
		}
	}
	c.mu.Unlock()
	if err := s.send("channelJoin", p); err != nil {
		return err
	}
	_, err := s.await("channelJoin", d, c.f.quit)
	return err
}

// JoinAsync joins the fleet's channel on the client's current connection
// (a client added without joining). The channel gets the result.
func (c *Client) JoinAsync() <-chan error {
	done := make(chan error, 1)
	c.mu.Lock()
	s := c.sess
	c.mu.Unlock()
	if s == nil {
		done <- errors.New("not connected")
		return done
	}
	c.f.wg.Add(1)
	go func() {
		defer c.f.wg.Done()
		err := c.join(s, 3*replyWait)
		if err == nil {
			c.mu.Lock()
			c.bumpLocked()
			c.mu.Unlock()
		}
		done <- err
	}()
	return done
}

// Drop closes the client's connection from its side; it reconnects as
// after any other loss.
func (c *Client) Drop() {
	c.mu.Lock()
	s := c.sess
	if s != nil {
		s.dropped = true
	}
	c.mu.Unlock()
	if s != nil {
		_ = s.ws.Close()
	}
}
