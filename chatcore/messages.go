package chatcore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
)

// clientIDTTL is how long a clientID is remembered (the protocol's 10 minutes).
const clientIDTTL = 10 * time.Minute

// Sent is the result of storing a message.
type Sent struct {
	Offset    int64
	JSON      json.RawMessage // the Message as stored and delivered, Offset included
	Duplicate bool            // the clientID was seen: nothing was stored or published
}

// Send stores a message from sender in ch (to recipient, for a private
// channel), gives it the channel's next offset and publishes it to every
// instance, in one atomic script. A clientID seen from the same sender in
// the last 10 minutes stores nothing and returns the first message.
func (s *Store) Send(ctx context.Context, sender User, ch Channel, recipient *User, text, clientID string) (Sent, error) {
	if err := CheckText(text, s.cfg.MaxMessageLength); err != nil {
		return Sent{}, err
	}
	if err := CheckClientID(clientID); err != nil {
		return Sent{}, err
	}
	sender.OnLine = true
	m := Message{
		UUID:       uuid.NewString(),
		SenderUUID: sender.UUID,
		Sender:     sender,
		Message:    text,
		CreatedAt:  time.Now().UTC(),
		ClientID:   clientID,
	}
	notifyTopic := ""
	if ch.IsPrivate() {
		m.RecipientUUID = recipient.UUID
		m.Recipient = recipient
		notifyTopic = s.keys.UserTopic(recipient.UUID)
	}
	body, err := json.Marshal(m)
	if err != nil {
		return Sent{}, fmt.Errorf("encode message: %w", err)
	}
	keys := []string{s.keys.ChannelSeq(ch.ID), s.keys.ChannelLog(ch.ID)}
	if clientID != "" {
		keys = append(keys, s.keys.ClientID(ch.ID, sender.UUID, clientID))
	}
	res, err := s.scripts.send.Run(ctx, s.rdb, keys,
		body, s.cfg.Retention, s.keys.ChannelTopic(ch.ID), int(clientIDTTL/time.Second),
		notifyTopic, ch.ID, sender.UUID).Slice()
	if err != nil {
		return Sent{}, fmt.Errorf("send to %s: %w", ch.ID, err)
	}
	if len(res) != 3 {
		return Sent{}, fmt.Errorf("send to %s: unexpected reply %v", ch.ID, res)
	}
	off, _ := res[1].(int64)
	js, _ := res[2].(string)
	if js == "" {
		// A retry of a message trimmed from the channel since: all that is
		// left of it is its offset.
		b, _ := json.Marshal(struct {
			Offset   int64  `json:"Offset"`
			ClientID string `json:"ClientID"`
		}{off, clientID})
		js = string(b)
	}
	return Sent{Offset: off, JSON: json.RawMessage(js), Duplicate: res[0] != int64(1)}, nil
}

// History is a run of a channel's messages, oldest first.
type History struct {
	Messages  []json.RawMessage
	Last      int64 // the channel's last offset when it was read
	Recovered bool  // for JoinHistory with since: every missed message is here
	HasMore   bool  // for Page: older messages exist
}

// JoinHistory returns what a connection joining ch should see: the latest
// HISTORY_LIMIT messages or, with since, every message after it when the
// store still has them all (Recovered) and otherwise the latest page.
func (s *Store) JoinHistory(ctx context.Context, ch Channel, since *int64) (History, error) {
	pipe := s.rdb.TxPipeline() // one snapshot: the offset and the entries agree
	seq := pipe.Get(ctx, s.keys.ChannelSeq(ch.ID))
	latest := pipe.XRevRangeN(ctx, s.keys.ChannelLog(ch.ID), "+", "-", int64(s.cfg.HistoryLimit))
	var after *redis.XMessageSliceCmd
	if since != nil {
		after = pipe.XRangeN(ctx, s.keys.ChannelLog(ch.ID), streamID(*since+1), "+", int64(s.cfg.RecoveryLimit)+1)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return History{}, fmt.Errorf("read history of %s: %w", ch.ID, err)
	}
	last, _ := strconv.ParseInt(seq.Val(), 10, 64)
	h := History{Last: last}
	if since != nil {
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

// MessagesAfter returns up to limit messages with an offset above after,
// oldest first, their offsets, and the channel's last offset: how the bridge
// fills a gap after a pub/sub reconnect. A last offset below after means the
// store lost the channel (a Redis without persistence restarted).
func (s *Store) MessagesAfter(ctx context.Context, channelID string, after int64, limit int) (msgs []json.RawMessage, offsets []int64, last int64, err error) {
	pipe := s.rdb.TxPipeline()
	seq := pipe.Get(ctx, s.keys.ChannelSeq(channelID))
	entries := pipe.XRangeN(ctx, s.keys.ChannelLog(channelID), streamID(after+1), "+", int64(limit))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, 0, fmt.Errorf("read %s after %d: %w", channelID, after, err)
	}
	last, _ = strconv.ParseInt(seq.Val(), 10, 64)
	offsets = make([]int64, len(entries.Val()))
	for i, e := range entries.Val() {
		offsets[i] = entryOffset(e)
	}
	return entryJSON(entries.Val(), false), offsets, last, nil
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
