package chatcore

import (
	"hash/maphash"
	"slices"
	"sync/atomic"

	"github.com/gorilla/websocket"
)

// hubChannel is a channel with local members and its delivery state, which
// only its shard's worker changes (with the shard's lock held).
//
// Stored messages are delivered in offset order with no gap: the channel
// knows the offset it delivered last (pos) and its epoch. A message at
// pos+1 is delivered; one at or below pos was delivered already (by a
// catch-up) and is dropped, unless it differs from what was delivered
// there, which means the stream went back; one beyond pos+1 means the
// pub/sub connection lost messages: the frames are held while a catch-up
// reads the missing ones from the store. Each connection also drops an
// offset it has (one it read in its join reply), so every connection gets
// every message once, from its own position on.
type hubChannel struct {
	id    string
	conns map[*Conn]struct{}

	synced  bool   // a join has read the channel: pos and epoch are known
	epoch   string //
	pos     int64  // the offset delivered last
	filling bool   // a catch-up is reading the store
	refill  bool   // catch up again once this one is done
	gen     uint64 // the catch-up in flight
	held    []heldFrame
	recent  [recentSize]delivered // the last messages delivered, by offset
	retired []string              // epochs the channel had before: their frames are stale
	members *memberEvents         // joins and leaves gathered for the next push
}

type heldFrame struct {
	hdr   header
	frame []byte
}

type delivered struct {
	offset int64
	sum    uint64
}

const (
	// recentSize is how many delivered messages a channel remembers, to
	// tell a duplicate from a message that reuses an offset.
	recentSize = 64
	// maxHeld is how many frames a channel holds while it catches up;
	// beyond that its members are asked to rejoin.
	maxHeld = 4096
)

var (
	catchUps atomic.Uint64 // generations of catch-ups, unique in the process
	sumSeed  = maphash.MakeSeed()
)

func newHubChannel(id string) *hubChannel {
	return &hubChannel{id: id, conns: map[*Conn]struct{}{}}
}

func frameSum(frame []byte) uint64 { return maphash.Bytes(sumSeed, frame) }

func (hc *hubChannel) remember(offset int64, frame []byte) {
	hc.recent[offset%recentSize] = delivered{offset, frameSum(frame)}
}

// differs reports whether the channel delivered another message at offset
// than frame; false when it does not remember that offset.
func (hc *hubChannel) differs(offset int64, frame []byte) bool {
	d := hc.recent[offset%recentSize]
	return d.offset == offset && d.sum != frameSum(frame)
}

// onFrame takes a frame published to the channel.
func (s *shard) onFrame(hc *hubChannel, hdr header, frame []byte) {
	if !hc.synced || hc.filling {
		s.hold(hc, hdr, frame)
		return
	}
	s.apply(hc, hdr, frame)
}

func (s *shard) hold(hc *hubChannel, hdr header, frame []byte) {
	if hdr.droppable {
		return // typing: not worth holding
	}
	if len(hc.held) >= maxHeld {
		s.reset(hc, "too many messages missed: rejoin")
		return
	}
	hc.held = append(hc.held, heldFrame{hdr, frame})
}

// apply delivers a frame of a synced channel that is not catching up.
func (s *shard) apply(hc *hubChannel, hdr header, frame []byte) {
	if hdr.offset == 0 { // not a stored message: join, leave, typing
		if hdr.gather && s.hub.node.cfg.PresenceBatch > 0 && s.gather(hc, hdr, frame) {
			return
		}
		if ev, _, ok := readMemberEvent(frame); ok && hdr.gather {
			s.fanoutAbout(hc, hdr, frame, ev.user) // a join or leave of the general channel
			return
		}
		s.fanout(hc, hdr, prepare(frame))
		return
	}
	switch {
	case hdr.epoch != "" && hdr.epoch != hc.epoch && slices.Contains(hc.retired, hdr.epoch):
		// published before the stream got its new epoch: stale
	case hdr.epoch != "" && hdr.epoch != hc.epoch:
		s.reset(hc, "the channel's history was reset: rejoin")
	case hdr.offset <= hc.pos:
		if hc.differs(hdr.offset, frame) {
			s.rewritten(hc)
		}
	case hdr.offset == hc.pos+1:
		hc.pos = hdr.offset
		hc.remember(hdr.offset, frame)
		if s.hub.node.metrics.Delivery != nil {
			hdr.created = createdAt(frame)
		}
		s.fanout(hc, hdr, prepare(frame))
	default: // messages were lost on the way: read them from the store
		hc.held = append(hc.held, heldFrame{hdr, frame})
		s.catchUp(hc)
	}
}

func (s *shard) fanout(hc *hubChannel, hdr header, pm *websocket.PreparedMessage) {
	for c := range hc.conns {
		c.pushChannel(hc.id, hdr, pm)
	}
}

// synced takes in a join's read of the channel. The first join gives the
// channel its position; frames held until then are delivered from it.
func (s *shard) synced(hc *hubChannel, req syncRequest) {
	switch {
	case !hc.synced:
		hc.synced, hc.epoch, hc.pos = true, req.epoch, req.last
		s.release(hc)
	case req.epoch != hc.epoch:
		s.reset(hc, "the channel's history was reset: rejoin")
		return
	}
	if !req.confirmed {
		// The read may have come before the subscription: what was
		// published in between is read from the store.
		s.resync(hc)
	}
}

// resync catches the channel up from the store (after the pub/sub
// connection was made again, or when a check found it behind).
func (s *shard) resync(hc *hubChannel) {
	switch {
	case !hc.synced: // a join is reading it; it starts from what it reads
	case hc.filling:
		hc.refill = true
	default:
		s.catchUp(hc)
	}
}

func (s *shard) catchUp(hc *hubChannel) {
	hc.filling, hc.refill = true, false
	hc.gen = catchUps.Add(1)
	go s.hub.fill(s, hc.id, hc.gen, hc.pos, hc.epoch)
}

// filled takes in what a catch-up read: the messages after the channel's
// position, delivered in order, then the frames held meanwhile.
func (s *shard) filled(hc *hubChannel, gen uint64, st Stream) {
	if !hc.filling || gen != hc.gen {
		return // a catch-up of an earlier state
	}
	hc.filling = false
	limit := int64(s.hub.node.cfg.RecoveryLimit)
	switch {
	case st.Epoch != hc.epoch:
		s.reset(hc, "the channel's history was reset: rejoin")
		return
	case st.Last < hc.pos || hc.pos > 0 && st.At != nil && hc.differs(hc.pos, messageFrame(st.At)):
		s.rewritten(hc)
		return
	case st.Last-hc.pos > limit || len(st.Msgs) > 0 && st.Offsets[0] != hc.pos+1 || st.Last > hc.pos && len(st.Msgs) == 0:
		s.hub.node.metrics.RecoveryResets.Add(1)
		s.reset(hc, "too many messages missed: rejoin")
		return
	}
	if n := len(st.Msgs); n > 0 {
		s.hub.node.metrics.CaughtUp.Add(int64(n))
		s.hub.node.log.Info("caught up from the store", "channel", hc.id, "after", hc.pos, "messages", n)
	}
	for i, msg := range st.Msgs {
		s.apply(hc, header{offset: st.Offsets[i], epoch: st.Epoch}, messageFrame(msg))
	}
	if hc.filling {
		return // apply found another gap
	}
	if hc.refill {
		s.catchUp(hc)
		return
	}
	s.release(hc)
}

// release delivers the frames held while the channel was not synced or
// caught up; one of them may start another catch-up, which holds the rest.
func (s *shard) release(hc *hubChannel) {
	held := hc.held
	hc.held = nil
	for i, f := range held {
		if hc.filling {
			hc.held = append(hc.held, held[i:]...)
			return
		}
		s.apply(hc, f.hdr, f.frame)
	}
}

// rewritten handles a stream found to have gone back under the same epoch
// (a failover lost the last writes, or data was restored from an older
// copy): new messages reuse offsets that members hold other messages at.
// The epoch is replaced in Redis first, so that members that rejoin with
// their old position are given the stream as it is now; then they are
// asked to rejoin.
func (s *shard) rewritten(hc *hubChannel) {
	s.hub.node.log.Warn("channel stream went back (Redis lost writes): its members rejoin", "channel", hc.id, "had", hc.pos)
	s.hub.node.metrics.StreamResets.Add(1)
	hc.filling, hc.held = true, nil // hold everything until the reset
	hc.gen = catchUps.Add(1)
	go s.hub.replaceEpoch(s, hc.id, hc.epoch)
}

// reset asks every local member of the channel to rejoin (close 1012)
// and forgets the channel's position: the next join reads it anew.
func (s *shard) reset(hc *hubChannel, why string) {
	for c := range hc.conns {
		c.closeWith(websocket.CloseServiceRestart, why)
	}
	hc.synced, hc.filling, hc.refill, hc.held = false, false, false, nil
	if hc.epoch != "" {
		hc.retired = append(hc.retired[max(0, len(hc.retired)-3):], hc.epoch)
	}
	hc.epoch, hc.pos = "", 0
	hc.gen = catchUps.Add(1)
	hc.recent = [recentSize]delivered{}
}
