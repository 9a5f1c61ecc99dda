package faulttest

import (
	"maps"
	"slices"
)

// Entry is one message of a client's view of its channel.
type Entry struct {
	UUID       string
	SenderUUID string
	ClientID   string
}

// ClientStats counts what happened to one client.
type ClientStats struct {
	Received     int         // channelMessage frames and join-reply messages taken
	Duplicates   int         // a message at an offset the client had, same UUID
	Conflicts    int         // a message at an offset the client had, another UUID: a browser drops it as seen
	Stale        int         // a message below the client's last offset that it lacked: a browser drops it too
	Gaps         int         // offsets skipped: the next message was more than one past the last
	Reconnects   int         // connections lost and made again
	Resets       int         // rejoins with since answered recovered:false
	SessionsLost int         // signIn {accessKey} answered 401 after a reconnect
	CloseCodes   map[int]int // close codes of the connections the server ended (-1: no close frame)
	Errors       map[int]int // error frames by code
}

// What a test may read of a client, each a copy taken under its lock.

// User returns the client's user UUID (its latest, after signing up again).
func (c *Client) User() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.user
}

// URL returns the server the client connects to.
func (c *Client) URL() string { return c.currentURL() }

// Live reports whether the client is connected, signed in and joined.
func (c *Client) Live() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live
}

// Last returns the highest offset the client has.
func (c *Client) Last() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// View returns the client's messages by offset and the lowest offset it
// must have (where its view began: 1, or its latest join's first message).
func (c *Client) View() (first int64, view map[int64]Entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.first, maps.Clone(c.view)
}

// Stats returns the client's counters.
func (c *Client) Stats() ClientStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.st
	st.CloseCodes, st.Errors = maps.Clone(c.st.CloseCodes), maps.Clone(c.st.Errors)
	return st
}

// DataEpochs returns each distinct ready.dataEpoch the client saw, in order.
func (c *Client) DataEpochs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.dataEpochs)
}

// Epochs returns each distinct channel epoch of its join replies, in order.
func (c *Client) Epochs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.epochs)
}

// Notes returns what the client noted: resets, gaps, failed reconnects.
func (c *Client) Notes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.notes)
}

// liveSession returns the current connection when the client is live,
// and a channel closed at the client's next change.
func (c *Client) liveSession() (*session, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live {
		return nil, c.changed
	}
	return c.sess, c.changed
}

// setOutstanding records clientID as the send in flight, unless it is
// acknowledged already (a rejoin's page may have just brought it back,
// after sendLoop looked): then it reports false and nothing is sent. The
// server stores and sends nothing for a clientID it has, so a resend would
// wait its SendTimeout. Acknowledgements are taken under c.mu too: one that
// comes after this finds the outstanding send and tells its outcome.
func (c *Client) setOutstanding(clientID string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f.isAcked(clientID) {
		return false
	}
	c.outstanding = clientID
	return true
}
