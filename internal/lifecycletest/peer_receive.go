package lifecycletest

import (
	"fmt"
)

// What a peer checks of what it receives: a join reply, live messages, the
// errors of its sends.

// onJoin runs in the reader goroutine, before any live message that follows
// the reply.
func (p *Peer) onJoin(r JoinReply) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.joined, p.everJoin = true, true
	if !p.joinSince {
		p.epoch = r.Epoch
		top := int64(0)
		for _, m := range r.Messages {
			top = max(top, m.Offset)
		}
		if r.Offset != nil {
			top = *r.Offset
		}
		p.base, p.last = top, top
		return
	}
	if r.Recovered == nil || !*r.Recovered {
		p.problem("rejoin since %d (epoch %q) was not recovered: recovered=%v", p.last, p.epoch, r.Recovered)
	}
	if r.Epoch != p.epoch {
		p.problem("rejoin: epoch %q, the first join's was %q", r.Epoch, p.epoch)
	}
	for _, m := range r.Messages {
		p.receiveLocked(m)
	}
	p.recovered += len(r.Messages)
}

func (p *Peer) onMessage(m Msg) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.joined {
		p.problem("message %d before the join reply", m.Offset)
	}
	p.receiveLocked(m)
}

func (p *Peer) receiveLocked(m Msg) {
	switch {
	case m.Offset == p.last+1:
	case m.Offset <= p.last:
		p.problem("offset %d again (or out of order) after %d", m.Offset, p.last)
	default:
		p.problem("gap: offset %d after %d", m.Offset, p.last)
	}
	p.last = max(p.last, m.Offset)
	if _, dup := p.byOffset[m.Offset]; !dup {
		p.byOffset[m.Offset] = m
	}
	if m.ClientID != "" {
		if o, twice := p.clientIDs[m.SenderUUID+"/"+m.ClientID]; twice && o != m.Offset {
			p.problem("clientID %s stored twice, at offsets %d and %d", m.ClientID, o, m.Offset)
		}
		p.clientIDs[m.SenderUUID+"/"+m.ClientID] = m.Offset
	}
	if m.SenderUUID == p.UserUUID {
		if _, ok := p.unacked[m.ClientID]; ok {
			delete(p.unacked, m.ClientID)
			p.acked[m.ClientID] = m.Offset
		}
	}
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *Peer) onSendError(e ErrorPayload) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sendErrs[e.Code]++
}

func (p *Peer) problem(format string, args ...any) {
	if len(p.problems) < 20 {
		p.problems = append(p.problems, fmt.Sprintf(format, args...))
	}
}
