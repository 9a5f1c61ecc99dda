package chatcore

import (
	"context"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// shard is one part of the hub: the channels and users whose ID hashes to
// it, and the worker goroutine that delivers their frames. Jobs reach the
// worker through a bounded queue; the worker holds the shard's lock while
// it runs one, so a join or leave waits at most one job.
type shard struct {
	hub  *Hub
	jobs chan job

	mu       sync.Mutex
	channels map[string]*hubChannel // by channel ID
	users    map[string]*hubUser    // by user ID
}

type hubUser struct {
	user  User
	conns map[*Conn]struct{}

	leaving   *time.Timer // the last connection left: offline when it fires
	notifyPos string      // ID of the last notification delivered, "" until known
	filling   bool        // a catch-up of notifications is reading
	gen       uint64      // the catch-up in flight
	held      []heldFrame
}

// jobKind is what a shard's worker is asked to do.
type jobKind int

const (
	jobLive    jobKind = iota + 1 // deliver a frame the bridge read
	jobSync                       // a join read the channel: its position
	jobResync                     // catch a channel up from the store
	jobFilled                     // a catch-up's read came back
	jobReset                      // the channel's epoch was replaced: reset it
	jobMembers                    // push the joins and leaves gathered
)

type job struct {
	kind     jobKind
	topic    topicKind
	id       string // channel or user ID; "" for broadcasts
	hdr      header
	frame    []byte
	pm       *websocket.PreparedMessage // shared by the shards of a broadcast
	presence *presenceFanout            // a broadcast of presence changes

	gen    uint64        // jobFilled: the catch-up it answers
	stream Stream        // jobFilled: what it read of a channel
	notes  []notifyEntry // jobFilled: what it read of a user's notifications
	sync   syncRequest
}

// syncRequest is a join's read of its channel.
type syncRequest struct {
	last      int64
	epoch     string
	confirmed bool          // the subscription was confirmed before the read
	done      chan struct{} // closed once the worker has taken it in
}

// shardQueue is how many jobs a shard queues before the bridge's reader
// waits for it (and Redis, for the reader).
const shardQueue = 4096

func newShard(h *Hub) *shard {
	return &shard{
		hub: h, jobs: make(chan job, shardQueue),
		channels: map[string]*hubChannel{}, users: map[string]*hubUser{},
	}
}

// send queues j for the worker, unless the hub has stopped.
func (s *shard) send(j job) {
	select {
	case s.jobs <- j:
	case <-s.hub.ctx.Done():
	}
}

func (s *shard) work(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-s.jobs:
			s.mu.Lock()
			s.run(j)
			s.mu.Unlock()
		}
	}
}

func (s *shard) run(j job) {
	if j.topic == topicBroadcast {
		for _, hu := range s.users {
			for c := range hu.conns {
				if j.presence != nil {
					c.pushPresence(j.presence)
				} else {
					c.push(outFrame{pm: j.pm, droppable: j.hdr.droppable})
				}
			}
		}
		return
	}
	if j.topic == topicUser {
		hu := s.users[j.id]
		if hu == nil {
			return
		}
		switch j.kind {
		case jobLive:
			s.onUserFrame(hu, j.hdr, j.frame)
		case jobResync:
			s.resyncUser(hu)
		case jobFilled:
			s.userFilled(hu, j.gen, j.notes)
		}
		return
	}
	hc := s.channels[j.id]
	if hc == nil {
		if j.kind == jobSync {
			close(j.sync.done)
		}
		return // nobody here is joined to it (any more)
	}
	switch j.kind {
	case jobLive:
		s.onFrame(hc, j.hdr, j.frame)
	case jobSync:
		s.synced(hc, j.sync)
		close(j.sync.done)
	case jobResync:
		s.resync(hc)
	case jobFilled:
		s.filled(hc, j.gen, j.stream)
	case jobReset:
		s.reset(hc, "the channel's history changed: rejoin")
	case jobMembers:
		s.pushMembers(hc)
	}
}

// prepare encodes frame once for every connection it goes to.
func prepare(frame []byte) *websocket.PreparedMessage {
	pm, _ := websocket.NewPreparedMessage(websocket.TextMessage, frame) // fails only on bad message types
	return pm
}

// joinChannel adds c to channel's local members.
func (h *Hub) joinChannel(c *Conn, channelID string) {
	s := h.shardOf(channelID)
	s.mu.Lock()
	defer s.mu.Unlock()
	hc := s.channels[channelID]
	if hc == nil {
		hc = newHubChannel(channelID)
		s.channels[channelID] = hc
	}
	hc.conns[c] = struct{}{}
}

// leaveChannel removes c from channel's local members.
func (h *Hub) leaveChannel(c *Conn, channelID string) {
	s := h.shardOf(channelID)
	s.mu.Lock()
	defer s.mu.Unlock()
	hc := s.channels[channelID]
	if hc == nil {
		return
	}
	delete(hc.conns, c)
	if len(hc.conns) == 0 {
		delete(s.channels, channelID)
	}
}

// syncChannel tells the channel's worker what a join read (its last offset
// and epoch) and waits until the worker has taken it in, so that every
// frame the worker delivers after it reaches c in order.
func (h *Hub) syncChannel(ctx context.Context, channelID string, req syncRequest) error {
	req.done = make(chan struct{})
	h.shardOf(channelID).send(job{kind: jobSync, topic: topicChannel, id: channelID, sync: req})
	select {
	case <-req.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-h.ctx.Done():
		return ErrClosing
	}
}

// resyncChannel asks the channel's worker to catch up from the store.
func (h *Hub) resyncChannel(channelID string) {
	h.shardOf(channelID).send(job{kind: jobResync, topic: topicChannel, id: channelID})
}
