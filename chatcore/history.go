package chatcore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// History is a run of a channel's messages, oldest first.
type History struct {
	Messages  []json.RawMessage
	Last      int64  // the channel's last offset when it was read
	Epoch     string // the channel's epoch
	Recovered bool   // for JoinHistory with since: every missed message is here
	HasMore   bool   // for Page: older messages exist
}

// JoinHistory returns what a connection joining ch should see: the latest
// HISTORY_LIMIT messages or, with since, every message after it when the
// store still has them all in the same epoch (Recovered) and otherwise the
// latest page. epoch is the client's, "" when it sent none.
func (s *Store) JoinHistory(ctx context.Context, ch Channel, since *int64, epoch string) (History, error) {
	pipe := s.rdb.TxPipeline() // one snapshot: the offset, epoch and entries agree
	pipe.SetNX(ctx, s.keys.ChannelEpoch(ch.ID), newEpoch(), 0)
	cur := pipe.Get(ctx, s.keys.ChannelEpoch(ch.ID))
	seq := pipe.Get(ctx, s.keys.ChannelSeq(ch.ID))
	latest := pipe.XRevRangeN(ctx, s.keys.ChannelLog(ch.ID), "+", "-", int64(s.cfg.HistoryLimit))
	var after *redis.XMessageSliceCmd
	if since != nil {
		from := min(*since, math.MaxInt64-1) + 1 // a since of MaxInt64 is beyond every stream: not recovered
		after = pipe.XRangeN(ctx, s.keys.ChannelLog(ch.ID), streamID(from), "+", int64(s.cfg.RecoveryLimit)+1)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return History{}, fmt.Errorf("read history of %s: %w", ch.ID, err)
	}
	last, _ := strconv.ParseInt(seq.Val(), 10, 64)
	h := History{Last: last, Epoch: cur.Val()}
	if since != nil && (epoch == "" || epoch == h.Epoch) {
		missed := last - *since
		entries := after.Val()
		if missed >= 0 && missed <= int64(s.cfg.RecoveryLimit) &&
			(missed == 0 || len(entries) > 0 && entryOffset(entries[0]) == *since+1) {
			h.Recovered = true
			h.Messages = entryJSON(entries, false)
			return h, nil
		}
	}
	h.Messages = entryJSON(latest.Val(), true)
	return h, nil
}

// Page returns up to limit messages older than before (all the latest when
// before is 0), oldest first, and whether older ones exist.
func (s *Store) Page(ctx context.Context, ch Channel, before int64, limit int) (History, error) {
	limit = min(max(limit, 1), s.cfg.HistoryMaxPage)
	end := "+"
	if before > 0 {
		if before == 1 {
			return History{}, nil
		}
		end = streamID(before - 1)
	}
	entries, err := s.rdb.XRevRangeN(ctx, s.keys.ChannelLog(ch.ID), end, "-", int64(limit)+1).Result()
	if err != nil {
		return History{}, fmt.Errorf("read page of %s: %w", ch.ID, err)
	}
	h := History{HasMore: len(entries) > limit}
	if h.HasMore {
		entries = entries[:limit]
	}
	h.Messages = entryJSON(entries, true)
	return h, nil
}

// Stream is what a catch-up reads of a channel: its epoch and last offset,
// the entry at the reader's position (to check that the stream still holds
// what the reader was given there) and the entries after it.
type Stream struct {
	Epoch   string
	Last    int64
	At      []byte   // the message JSON at the position, nil when gone or 0
	Offsets []int64  // of Messages
	Msgs    [][]byte // message JSON, oldest first
}

// ReadAfter reads ch's stream from offset pos: up to limit messages after it.
func (s *Store) ReadAfter(ctx context.Context, channelID string, pos int64, limit int) (Stream, error) {
	pipe := s.rdb.TxPipeline()
	pipe.SetNX(ctx, s.keys.ChannelEpoch(channelID), newEpoch(), 0)
	epoch := pipe.Get(ctx, s.keys.ChannelEpoch(channelID))
	seq := pipe.Get(ctx, s.keys.ChannelSeq(channelID))
	entries := pipe.XRangeN(ctx, s.keys.ChannelLog(channelID), streamID(max(pos, 1)), "+", int64(limit)+1)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return Stream{}, fmt.Errorf("read %s after %d: %w", channelID, pos, err)
	}
	st := Stream{Epoch: epoch.Val()}
	st.Last, _ = strconv.ParseInt(seq.Val(), 10, 64)
	for _, e := range entries.Val() {
		m, _ := e.Values["m"].(string)
		off := entryOffset(e)
		switch {
		case off == pos:
			st.At = []byte(m)
		case off > pos && len(st.Msgs) < limit:
			st.Offsets = append(st.Offsets, off)
			st.Msgs = append(st.Msgs, []byte(m))
		}
	}
	return st, nil
}

func streamID(offset int64) string { return strconv.FormatInt(offset, 10) + "-0" }

func entryOffset(e redis.XMessage) int64 {
	n, _ := strconv.ParseInt(strings.TrimSuffix(e.ID, "-0"), 10, 64)
	return n
}

// entryJSON returns the stored message JSON of entries, reversed first when
// they came newest first.
func entryJSON(entries []redis.XMessage, newestFirst bool) []json.RawMessage {
	out := make([]json.RawMessage, 0, len(entries))
	for _, e := range entries {
		if m, ok := e.Values["m"].(string); ok {
			out = append(out, json.RawMessage(m))
		}
	}
	if newestFirst {
		slices.Reverse(out)
	}
	return out
}

// Tops reads, for each position, its channel's epoch, last offset and the
// message at the position, in one round trip.
func (s *Store) Tops(ctx context.Context, ps []position) ([]Stream, error) {
	pipe := s.rdb.Pipeline()
	type cmds struct {
		epoch, seq *redis.StringCmd
		at         *redis.XMessageSliceCmd
	}
	cs := make([]cmds, len(ps))
	for i, p := range ps {
		cs[i].epoch = pipe.Get(ctx, s.keys.ChannelEpoch(p.channelID))
		cs[i].seq = pipe.Get(ctx, s.keys.ChannelSeq(p.channelID))
		if p.pos > 0 {
			cs[i].at = pipe.XRange(ctx, s.keys.ChannelLog(p.channelID), streamID(p.pos), streamID(p.pos))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("check positions: %w", err)
	}
	out := make([]Stream, len(ps))
	for i, c := range cs {
		out[i].Epoch = c.epoch.Val()
		out[i].Last, _ = strconv.ParseInt(c.seq.Val(), 10, 64)
		if c.at != nil && len(c.at.Val()) == 1 {
			m, _ := c.at.Val()[0].Values["m"].(string)
			out[i].At = []byte(m)
		}
	}
	return out, nil
}
