package faulttest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sends that nothing answered, told apart from those the fleet's sender
// caused itself. After a member is asked to rejoin, its sender may send
// again a message that the rejoin just brought back: sendLoop checks the
// ledger, the join reply then acknowledges the message (its sender's own,
// in the page) while the client is not yet live, and once it is,
// sendOnce drains that outcome and sends the message again. The server
// rightly stores and sends nothing for a clientID it has stored (the
// connection has the message), so the sender waits its SendTimeout. Such
// a resend is known by its message having been acknowledged at least
// SendTimeout before the sender's next one, or, when it was the sender's
// last, before its fleet's senders were done: a send that the server left
// unanswered is acknowledged only after it was sent again, just before the
// next (or the end).

// hangs returns the clientIDs of the channel's sends that had neither
// echo nor error frame within the fleet's SendTimeout, and those of them
// that were resends of an acknowledged message. A hang that the sender's
// notes do not name (they keep the first 20) counts as unanswered, "?".
func (cc *chatChannel) hangs() (all, resent []string) {
	acked := map[string]Ack{}
	for _, a := range cc.acks() {
		acked[a.ClientID] = a
	}
	for _, f := range cc.fleets {
		n := 0
		for _, c := range f.Clients() {
			for _, note := range c.Notes() {
				id, ok := hangNote(note)
				if !ok {
					continue
				}
				n++
				all = append(all, id)
				if isResend(acked, id, f.cfg.SendTimeout, cc.drained[f]) {
					resent = append(resent, id)
				}
			}
		}
		for range f.Latency().Hangs - n {
			all = append(all, "?")
		}
	}
	slices.Sort(all)
	slices.Sort(resent)
	return all, resent
}

// hangNote returns the clientID of a sender's note "send <clientID>: no
// echo and no error within <SendTimeout>" (sender.go).
func hangNote(note string) (string, bool) {
	rest, ok := strings.CutPrefix(note, "send ")
	if !ok {
		return "", false
	}
	id, _, ok := strings.Cut(rest, ": no echo and no error within ")
	return id, ok
}

// isResend reports whether the message clientID ("<client>-<n>", as the
// sender numbers them) was acknowledged at least timeout (less a second)
// before the sender's next one, or, when it is its last, before drained.
func isResend(acked map[string]Ack, clientID string, timeout time.Duration, drained time.Time) bool {
	a, ok := acked[clientID]
	if !ok {
		return false
	}
	i := strings.LastIndexByte(clientID, '-')
	n, err := strconv.Atoi(clientID[i+1:])
	if i < 0 || err != nil {
		return false
	}
	end := drained
	if next, ok := acked[fmt.Sprintf("%s-%d", clientID[:i], n+1)]; ok {
		end = next.At
	}
	return end.Sub(a.At) >= timeout-time.Second
}
