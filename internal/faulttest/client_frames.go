package faulttest

import (
	"encoding/json"
	"fmt"
)

// What a client does with the frames it receives: its reader goroutine
// applies each to the client's view and counters, in the order they came.

// read handles every frame of s until it ends.
func (c *Client) read(s *session) {
	defer c.f.wg.Done()
	defer close(s.done)
	for {
		_, data, err := s.ws.ReadMessage()
		if err != nil {
			s.err = err
			return
		}
		f, err := decodeFrame(data)
		if err != nil {
			c.note("%v", err)
			continue
		}
		switch f.typ {
		case "channelMessage":
			var m wireMessage
			if err := json.Unmarshal(f.payload, &m); err != nil {
				c.note("channelMessage %v: %.200s", err, f.payload)
				continue
			}
			c.mu.Lock()
			c.receiveLocked(m)
			c.mu.Unlock()
		case "channelJoin":
			c.applyJoin(f.payload)
			s.forward(f)
		case "ready":
			c.sawReady(f.payload)
			s.forward(f)
		case "authorized":
			s.forward(f)
		case "error":
			var e errorReply
			_ = json.Unmarshal(f.payload, &e)
			c.sawError(e)
			if e.Request != "channelMessage" {
				s.forward(f)
			}
		}
	}
}

func (c *Client) sawReady(payload json.RawMessage) {
	var r readyPayload
	_ = json.Unmarshal(payload, &r)
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(c.dataEpochs); n == 0 || c.dataEpochs[n-1] != r.DataEpoch {
		c.dataEpochs = append(c.dataEpochs, r.DataEpoch)
	}
}

func (c *Client) sawError(e errorReply) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.Errors[e.Code]++
	if e.Request != "channelMessage" {
		return
	}
	id := e.ClientID
	if id == "" {
		id = c.outstanding // an error frame that names no clientID answers the one in flight
	}
	c.tell(outcome{clientID: id, code: e.Code})
}

// tell hands o to the sender without waiting; it keeps only the latest.
func (c *Client) tell(o outcome) {
	select {
	case c.outcomes <- o:
	default:
	}
}

// applyJoin applies a channelJoin reply to the view: messages after since
// when recovered, else the reply's page replaces the view.
func (c *Client) applyJoin(payload json.RawMessage) {
	var r joinReply
	if err := json.Unmarshal(payload, &r); err != nil {
		c.note("channelJoin reply %v: %.200s", err, payload)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.bumpLocked()
	if n := len(c.epochs); r.Epoch != "" && (n == 0 || c.epochs[n-1] != r.Epoch) {
		c.epochs = append(c.epochs, r.Epoch)
	}
	since := c.joinSince
	c.joinSince = nil
	c.joinedOnce = true
	recovered := r.Recovered != nil && *r.Recovered
	if since != nil && recovered {
		for _, m := range r.Messages {
			c.receiveLocked(m)
		}
		return
	}
	if since != nil {
		c.st.Resets++
		c.notes = append(c.notes, fmt.Sprintf("rejoin since %d answered recovered:%v epoch %q offset %s with %d messages: view replaced",
			*since, r.Recovered != nil && *r.Recovered, r.Epoch, ptrString(r.Offset), len(r.Messages)))
	}
	c.view = map[int64]Entry{}
	switch {
	case len(r.Messages) > 0:
		c.first = r.Messages[0].Offset
	case r.Offset != nil:
		c.first = *r.Offset + 1
	default:
		c.first = 1
	}
	c.last = c.first - 1
	for _, m := range r.Messages {
		c.receiveLocked(m)
	}
}

// receiveLocked adds a message to the view, counting duplicates, gaps and
// messages a browser would drop, and acknowledges the client's own.
func (c *Client) receiveLocked(m wireMessage) {
	c.st.Received++
	defer c.bumpLocked()
	if e, ok := c.view[m.Offset]; ok {
		if e.UUID == m.UUID {
			c.st.Duplicates++
		} else {
			c.st.Conflicts++
			c.noteLocked("offset %d: message %s arrived where %s is: a browser drops it as seen", m.Offset, m.UUID, e.UUID)
		}
		return
	}
	switch {
	case m.Offset <= 0:
		c.noteLocked("message %s without an offset", m.UUID)
		return
	case m.Offset <= c.last:
		c.st.Stale++
		c.noteLocked("offset %d arrived after %d: a browser drops it", m.Offset, c.last)
	case m.Offset > c.last+1:
		c.st.Gaps += int(m.Offset - c.last - 1)
		c.noteLocked("gap: offset %d after %d", m.Offset, c.last)
	}
	c.view[m.Offset] = Entry{UUID: m.UUID, SenderUUID: m.SenderUUID, ClientID: m.ClientID}
	c.last = max(c.last, m.Offset)
	if m.ClientID != "" && m.SenderUUID == c.user {
		c.f.ack(c, m)
		if m.ClientID == c.outstanding {
			c.tell(outcome{clientID: m.ClientID})
		}
	}
}

func (c *Client) bumpLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
	c.f.bump()
}

func (c *Client) note(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.noteLocked(format, args...)
}

// noteLocked keeps the first notes; they are printed when a check fails.
func (c *Client) noteLocked(format string, args ...any) {
	if len(c.notes) < 20 {
		c.notes = append(c.notes, fmt.Sprintf(format, args...))
	}
}

func ptrString(p *int64) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprint(*p)
}
