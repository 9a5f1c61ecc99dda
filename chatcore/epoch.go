package chatcore

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
)

// Epochs tell a reader that a stream it has a position in is no longer the
// stream it read: Redis lost the data (a restart without persistence) or a
// failover lost the last writes, so offsets were given again to other
// messages. A position is an offset and an epoch; an offset from another
// epoch means nothing.

// newEpoch returns a random epoch: 8 random bytes, base64url.
func newEpoch() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ReplaceEpoch gives ch's stream a new epoch, unless its epoch is no longer
// old (another instance replaced it first). It returns the current epoch.
// An instance calls it when it finds that the stream went back under the
// same epoch, so that every client holding a position in it rejoins.
func (s *Store) ReplaceEpoch(ctx context.Context, channelID, old string) (string, error) {
	epoch, err := s.scripts.replaceEpoch.Run(ctx, s.rdb, []string{s.keys.ChannelEpoch(channelID)}, old, newEpoch()).Text()
	if err != nil {
		return "", fmt.Errorf("replace epoch of %s: %w", channelID, err)
	}
	return epoch, nil
}

// DataEpoch returns the epoch of the chat's data, creating it when Redis
// has none (a new or an emptied Redis).
func (s *Store) DataEpoch(ctx context.Context) (string, error) {
	pipe := s.rdb.TxPipeline()
	pipe.SetNX(ctx, s.keys.DataEpoch(), newEpoch(), 0)
	get := pipe.Get(ctx, s.keys.DataEpoch())
	if _, err := pipe.Exec(ctx); err != nil {
		return "", fmt.Errorf("read data epoch: %w", err)
	}
	return get.Val(), nil
}
