package chatcore

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Read positions: how far a user has read each channel, kept in Redis so
// that unread counts survive reloads and follow the user to other
// devices. A position only moves forward. Space per user is bounded: the
// positions of at most userChannelsLimit channels, and an index of the
// userChannelsLimit private channels with the latest activity.

// userChannelsLimit is how many private channels a user's index, and their
// read positions, keep.
const userChannelsLimit = 1000

//go:embed scripts/read_set.lua
var readSetLua string

// readSet is the read_set.lua script; a script holds no state of its own.
var readSet = redis.NewScript(readSetLua)

// MarkRead moves u's read position in ch (recipientUUID as u names it) to
// offset, never back and never past the channel's last message, and tells
// u's other connections (all but skipSession) on every instance. It
// returns the stored position.
func (s *Store) MarkRead(ctx context.Context, u User, ch Channel, recipientUUID string, offset int64, skipSession string) (int64, error) {
	last, err := s.rdb.Get(ctx, s.keys.ChannelSeq(ch.ID)).Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("read position of %s: %w", ch.ID, err)
	}
	res, err := readSet.Run(ctx, s.rdb, []string{s.keys.UserReads(u.UUID)},
		recipientUUID, min(offset, last), userChannelsLimit+1, s.keys.UserTopic(u.UUID), skipSession).Int64Slice()
	if err != nil || len(res) != 2 {
		return 0, fmt.Errorf("store read position of %s: %w (%v)", ch.ID, err, res)
	}
	return res[0], nil
}

// ChannelState is one channel of a user as the channels reply lists it.
type ChannelState struct {
	RecipientUUID string          `json:"recipientUUID"`
	LastOffset    int64           `json:"lastOffset"`
	ReadOffset    int64           `json:"readOffset"`
	LastMessage   json.RawMessage `json:"lastMessage,omitempty"`
}

// Channels returns the general channel and u's private channels (the most
// recently active first), each with its last offset and message and u's
// read position: one round trip for the index, one for the rest.
func (s *Store) Channels(ctx context.Context, u User) ([]ChannelState, error) {
	pipe := s.rdb.Pipeline()
	index := pipe.ZRevRange(ctx, s.keys.UserChannels(u.UUID), 0, userChannelsLimit-1)
	reads := pipe.HGetAll(ctx, s.keys.UserReads(u.UUID))
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("read channels: %w", err)
	}
	states := []ChannelState{{RecipientUUID: ""}}
	for _, peer := range index.Val() {
		if CheckUserID(peer) == nil && peer != u.UUID {
			states = append(states, ChannelState{RecipientUUID: peer})
		}
	}
	pipe = s.rdb.Pipeline()
	seqs := make([]*redis.StringCmd, len(states))
	lasts := make([]*redis.XMessageSliceCmd, len(states))
	for i, st := range states {
		id := GeneralID
		if st.RecipientUUID != "" {
			id = Private(u.UUID, st.RecipientUUID).ID
		}
		seqs[i] = pipe.Get(ctx, s.keys.ChannelSeq(id))
		lasts[i] = pipe.XRevRangeN(ctx, s.keys.ChannelLog(id), "+", "-", 1)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read channels: %w", err)
	}
	for i := range states {
		states[i].LastOffset, _ = strconv.ParseInt(seqs[i].Val(), 10, 64)
		states[i].ReadOffset, _ = strconv.ParseInt(reads.Val()[states[i].RecipientUUID], 10, 64)
		if m := entryJSON(lasts[i].Val(), true); len(m) == 1 {
			states[i].LastMessage = m[0]
		}
	}
	return states, nil
}

// addChannels records a private channel among both members' channels.
func (s *Store) addChannels(ctx context.Context, pipe redis.Pipeliner, ch Channel) {
	now := float64(time.Now().UnixMilli())
	for i, id := range ch.Members {
		peer := ch.Members[1-i]
		pipe.ZAdd(ctx, s.keys.UserChannels(id), redis.Z{Score: now, Member: peer})
		pipe.ZRemRangeByRank(ctx, s.keys.UserChannels(id), 0, -userChannelsLimit-1)
	}
}
