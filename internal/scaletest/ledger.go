package scaletest

import (
	"fmt"
	"strings"
)

// ledger is what happened in the chat, as every client must see it: each
// stored message at its offset (the first client to receive an offset
// fixes what it holds; every other copy must be the same), each user's
// name, and the latest presence and membership of each user.
type ledger struct {
	names map[string]string             // user UUID -> name
	msgs  map[string]map[int64]message  // channel ID -> offset -> message
	state map[evKey]bool                // online, or joined
	top   map[string]int64              // channel ID -> messages sent to it
	sent  map[string]map[string]message // channel ID -> clientID -> its message once seen
}

func newLedger() *ledger {
	return &ledger{
		names: map[string]string{}, msgs: map[string]map[int64]message{}, state: map[evKey]bool{},
		top: map[string]int64{}, sent: map[string]map[string]message{},
	}
}

// check records m as the message at its offset of channel ch, or checks
// that it is the one recorded there.
func (l *ledger) check(ch string, m message) error {
	at := l.msgs[ch]
	if at == nil {
		at, l.sent[ch] = map[int64]message{}, map[string]message{}
		l.msgs[ch] = at
	}
	if was, ok := at[m.Offset]; ok {
		if !was.same(m) {
			return fmt.Errorf("offset %d of channel %q holds %+v here, %+v elsewhere", m.Offset, ch, m, was)
		}
		return nil
	}
	if m.ClientID != "" {
		if was, twice := l.sent[ch][m.SenderUUID+"/"+m.ClientID]; twice {
			return fmt.Errorf("clientID %s stored twice in channel %q: offsets %d and %d", m.ClientID, ch, was.Offset, m.Offset)
		}
		l.sent[ch][m.SenderUUID+"/"+m.ClientID] = m
	}
	at[m.Offset] = m
	return nil
}

// presenceKind is the evKey.ch of presence events; the other keys name a
// channel by its ID.
const presenceKind = "presence"

// evKey names the events about one subject (a user UUID): its presence, or
// its membership of one channel.
type evKey struct{ ch, subject string }

// channelID names a channel the same way for both members: "" for general,
// the two members' UUIDs in order for a private channel. self names the
// channel name ("" or the other member's UUID).
func channelID(self, name string) string {
	if name == "" {
		return ""
	}
	if name < self {
		return name + "|" + self
	}
	return self + "|" + name
}

// privateName is how member self names the private channel id.
func privateName(self, id string) string {
	a, b, _ := strings.Cut(id, "|")
	if a == self {
		return b
	}
	return a
}

// evLog is one socket's events about one subject since its window opened
// (a sign-in for presence, a join reply for a channel's members): what it
// was told, in order, and how much of it the test has taken.
type evLog struct {
	entries []bool
	next    int
	// start is the subject's state when the window opened (known: it had
	// one). A push published just before may reach the socket just after:
	// a first copy of that state is an echo, not a change.
	start, known bool
}

// take takes the next entry, which must be on; false when none has come.
func (l *evLog) take(on bool) (bool, error) {
	for l.next < len(l.entries) {
		e := l.entries[l.next]
		l.next++
		if e == on {
			return true, nil
		}
		if l.next == 1 && l.known && e == l.start {
			continue // the echo
		}
		return false, fmt.Errorf("told %s while the subject was %s: a copy of an event, or events out of order (log %v)",
			word(e), word(!e), l.entries)
	}
	return false, nil
}

// rest returns the entries not taken, an echo apart.
func (l *evLog) rest() []bool {
	r := l.entries[l.next:]
	if l.next == 0 && len(r) > 0 && l.known && r[0] == l.start {
		r = r[1:]
	}
	return r
}

func word(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
