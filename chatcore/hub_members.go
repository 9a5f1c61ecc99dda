package chatcore

import (
	"encoding/json"
	"time"
)

// Joins and leaves of the general channel are pushed to all its members:
// n joins would make n²/2 frames. Like presence, those that come within
// PRESENCE_BATCH are gathered and pushed as one frame per member,
// sys {type:"channelMembers", channelMembers:{recipientUUID, joined, left}},
// with the latest of each user; one alone goes out as the protocol's
// sys channelJoin or channelLeave, skipping the user's own connections.

// memberEvents are the joins and leaves a channel gathers.
type memberEvents struct {
	recipientUUID string
	order         []string
	latest        map[string]memberEvent // by user ID
}

type memberEvent struct {
	joined bool
	user   User
	as     heldFrame // the event as it came, sent as it is when alone
}

// gather adds a join or leave frame to what the channel gathers and
// reports whether it did (false for a frame it cannot read).
func (s *shard) gather(hc *hubChannel, hdr header, frame []byte) bool {
	var f struct {
		Sys struct {
			Type        string `json:"type"`
			User        User   `json:"user"`
			ChannelJoin *struct {
				RecipientUUID string `json:"recipientUUID"`
			} `json:"channelJoin"`
			ChannelLeave *struct {
				RecipientUUID string `json:"recipientUUID"`
			} `json:"channelLeave"`
		} `json:"sys"`
	}
	if json.Unmarshal(frame, &f) != nil || f.Sys.User.UUID == "" || f.Sys.ChannelJoin == nil && f.Sys.ChannelLeave == nil {
		return false
	}
	ev := memberEvent{joined: f.Sys.ChannelJoin != nil, user: f.Sys.User, as: heldFrame{hdr, frame}}
	m := hc.members
	if m == nil {
		m = &memberEvents{latest: map[string]memberEvent{}}
		if ev.joined {
			m.recipientUUID = f.Sys.ChannelJoin.RecipientUUID
		} else {
			m.recipientUUID = f.Sys.ChannelLeave.RecipientUUID
		}
		hc.members = m
		id := hc.id
		time.AfterFunc(s.hub.node.cfg.PresenceBatch, func() {
			s.send(job{kind: jobMembers, topic: topicChannel, id: id})
		})
	}
	if _, ok := m.latest[ev.user.UUID]; !ok {
		m.order = append(m.order, ev.user.UUID)
	}
	m.latest[ev.user.UUID] = ev
	return true
}

// pushMembers pushes what the channel gathered.
func (s *shard) pushMembers(hc *hubChannel) {
	m := hc.members
	hc.members = nil
	if m == nil {
		return
	}
	if len(m.order) == 1 {
		ev := m.latest[m.order[0]]
		s.fanout(hc, ev.as.hdr, prepare(ev.as.frame))
		return
	}
	joined, left := []User{}, []User{}
	for _, id := range m.order {
		if ev := m.latest[id]; ev.joined {
			joined = append(joined, ev.user)
		} else {
			left = append(left, ev.user)
		}
	}
	frame, _ := Frame("sys", map[string]any{"type": "channelMembers", "channelMembers": map[string]any{
		"recipientUUID": m.recipientUUID, "joined": joined, "left": left,
	}})
	s.fanout(hc, header{}, prepare(frame))
}
