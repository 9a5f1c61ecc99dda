package chatcore

import (
	"encoding/json"
	"sort"
	"time"

	"github.com/gorilla/websocket"
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
	ev, recipientUUID, ok := readMemberEvent(frame)
	if !ok {
		return false
	}
	ev.as = heldFrame{hdr, frame}
	m := hc.members
	if m == nil {
		m = &memberEvents{recipientUUID: recipientUUID, latest: map[string]memberEvent{}}
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

// readMemberEvent reads a sys channelJoin or channelLeave frame.
func readMemberEvent(frame []byte) (ev memberEvent, recipientUUID string, ok bool) {
	var f struct {
		Sys struct {
			User        User `json:"user"`
			ChannelJoin *struct {
				RecipientUUID string `json:"recipientUUID"`
			} `json:"channelJoin"`
			ChannelLeave *struct {
				RecipientUUID string `json:"recipientUUID"`
			} `json:"channelLeave"`
		} `json:"sys"`
	}
	if json.Unmarshal(frame, &f) != nil || f.Sys.User.UUID == "" || f.Sys.ChannelJoin == nil && f.Sys.ChannelLeave == nil {
		return memberEvent{}, "", false
	}
	if f.Sys.ChannelJoin != nil {
		return memberEvent{joined: true, user: f.Sys.User}, f.Sys.ChannelJoin.RecipientUUID, true
	}
	return memberEvent{user: f.Sys.User}, f.Sys.ChannelLeave.RecipientUUID, true
}

// pushMembers pushes what the channel gathered, each member told of the
// users in its view (view.go): a first part of the joined and of the left,
// sorted as the listing orders them, each distinct pair encoded once.
func (s *shard) pushMembers(hc *hubChannel) {
	m := hc.members
	hc.members = nil
	if m == nil {
		return
	}
	if len(m.order) == 1 {
		ev := m.latest[m.order[0]]
		s.fanoutAbout(hc, ev.as.hdr, ev.as.frame, ev.user)
		return
	}
	var joined, left []User
	for _, id := range m.order {
		if ev := m.latest[id]; ev.joined {
			joined = append(joined, ev.user)
		} else {
			left = append(left, ev.user)
		}
	}
	joinedKeys, leftKeys := sortByMember(joined), sortByMember(left)
	frames := map[[2]int]*websocket.PreparedMessage{}
	for c := range hc.conns {
		c.mu.Lock()
		n := [2]int{c.view.shown(joinedKeys), c.view.shown(leftKeys)}
		c.mu.Unlock()
		if n == [2]int{} {
			continue
		}
		pm := frames[n]
		if pm == nil {
			frame, _ := Frame("sys", map[string]any{"type": "channelMembers", "channelMembers": map[string]any{
				"recipientUUID": m.recipientUUID, "joined": nonNilUsers(joined[:n[0]]), "left": nonNilUsers(left[:n[1]]),
			}})
			pm = prepare(frame)
			frames[n] = pm
		}
		c.pushChannel(hc.id, header{}, pm)
	}
}

// fanoutAbout delivers a join or leave of u to the members told of u.
func (s *shard) fanoutAbout(hc *hubChannel, hdr header, frame []byte, u User) {
	var pm *websocket.PreparedMessage
	for c := range hc.conns {
		if !c.shows(u) {
			continue
		}
		if pm == nil {
			pm = prepare(frame)
		}
		c.pushChannel(hc.id, hdr, pm)
	}
}

// sortByMember sorts users as the listing orders them and returns their
// index members.
func sortByMember(users []User) []string {
	keys := make([]string, len(users))
	for i, u := range users {
		keys[i] = sortMember(u.Username, u.UUID)
	}
	sort.Sort(byMember{users, keys})
	return keys
}

type byMember struct {
	users []User
	keys  []string
}

func (b byMember) Len() int           { return len(b.users) }
func (b byMember) Less(i, j int) bool { return b.keys[i] < b.keys[j] }
func (b byMember) Swap(i, j int) {
	b.users[i], b.users[j] = b.users[j], b.users[i]
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
}

func nonNilUsers(u []User) []User {
	if u == nil {
		return []User{}
	}
	return u
}
