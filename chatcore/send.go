package chatcore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
)

// clientIDTTL is how long a clientID is remembered (the protocol's 10 minutes).
const clientIDTTL = 10 * time.Minute

// sentTTL is how long a message's own dedupe key is kept: longer than any
// client library retry of the send script can come after the first run
// (a Redis stalled for seconds runs the first and the retries back to back).
const sentTTL = time.Minute

// Sent is the result of storing a message.
type Sent struct {
	Offset    int64
	Epoch     string          // the channel's epoch
	JSON      json.RawMessage // the Message as stored and delivered, Offset included
	Duplicate bool            // the clientID was seen: nothing was stored or published
}

// Send stores a message from sender in ch (to recipient, for a private
// channel), gives it the channel's next offset and publishes it to every
// instance, in one atomic script. A clientID seen from the same sender in
// the last 10 minutes stores nothing and returns the first message. The
// script is idempotent by itself: run twice (a retry after a timeout), it
// stores the message once.
//
// With SEND_REPLICAS set, the message is published only once that many
// replicas have it (WAIT); when they do not confirm in time the send fails
// with 503, the message stays stored, and a retry with the same clientID
// publishes it.
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
	if ch.IsPrivate() {
		m.RecipientUUID = recipient.UUID
		m.Recipient = recipient
	}
	body, err := json.Marshal(m)
	if err != nil {
		return Sent{}, fmt.Errorf("encode message: %w", err)
	}
	dedupe, ttl := s.keys.SentMessage(ch.ID, m.UUID), sentTTL
	if clientID != "" {
		dedupe, ttl = s.keys.ClientID(ch.ID, sender.UUID, clientID), clientIDTTL
	}
	keys := []string{s.keys.ChannelSeq(ch.ID), s.keys.ChannelLog(ch.ID), dedupe, s.keys.ChannelEpoch(ch.ID)}
	publish := "1"
	if s.cfg.SendReplicas > 0 {
		publish = "0"
	}
	args := []any{body, s.cfg.Retention, s.keys.ChannelTopic(ch.ID), int(ttl / time.Second), newEpoch(), publish}
	var res []any
	var replicas int64
	if s.cfg.SendReplicas > 0 {
		res, replicas, err = s.sendAndWait(ctx, keys, args)
	} else {
		res, err = s.scripts.send.Run(ctx, s.rdb, keys, args...).Slice()
	}
	if err != nil {
		return Sent{}, fmt.Errorf("send to %s: %w", ch.ID, err)
	}
	if len(res) != 4 {
		return Sent{}, fmt.Errorf("send to %s: unexpected reply %v", ch.ID, res)
	}
	off, _ := res[1].(int64)
	js, _ := res[2].(string)
	epoch, _ := res[3].(string)
	sent := Sent{Offset: off, Epoch: epoch, Duplicate: res[0] != int64(1)}
	if js == "" {
		// A retry of a message trimmed from the channel since: all that is
		// left of it is its offset.
		b, _ := json.Marshal(struct {
			Offset   int64  `json:"Offset"`
			ClientID string `json:"ClientID"`
		}{off, clientID})
		sent.JSON = b
		return sent, nil
	}
	sent.JSON = json.RawMessage(js)
	if s.cfg.SendReplicas > 0 {
		if replicas < int64(s.cfg.SendReplicas) {
			return Sent{}, ErrNotReplicated
		}
		if err := s.publishStored(ctx, ch, sent); err != nil {
			return Sent{}, err
		}
	}
	if ch.IsPrivate() && (!sent.Duplicate || s.cfg.SendReplicas > 0) {
		if err := s.notify(ctx, ch, sender.UUID, recipient.UUID, m.UUID, sent.Offset, sent.JSON); err != nil {
			// The message is stored and delivered; only the recipient's
			// other connections miss the notification.
			return sent, &NotifyError{err}
		}
	}
	return sent, nil
}

// NotifyError is a failed notification of a message that was stored and
// published: the send succeeded.
type NotifyError struct{ Err error }

func (e *NotifyError) Error() string { return "notify recipient: " + e.Err.Error() }
func (e *NotifyError) Unwrap() error { return e.Err }

// notifyLogLength is about how many notifications a user's log keeps: more
// than a pub/sub gap of a few seconds can miss.
const notifyLogLength = 200

// notify records and publishes the notification of a private message to
// its recipient's connections that are not joined to the channel.
func (s *Store) notify(ctx context.Context, ch Channel, sender, recipient, messageID string, offset int64, msg []byte) error {
	err := s.scripts.notify.Run(ctx, s.rdb, []string{s.keys.UserNotifyLog(recipient), s.keys.UserChannels(recipient)},
		s.keys.UserTopic(recipient), ch.ID, notifyFrame(sender, msg), messageID, notifyLogLength,
		time.Now().UnixMilli(), sender, userChannelsLimit, offset).Err()
	if err != nil {
		return fmt.Errorf("notify %s: %w", recipient, err)
	}
	return nil
}

// sendAndWait runs the send script and WAIT on one connection (WAIT counts
// the replicas that have this connection's writes) and returns the
// script's reply and how many replicas confirmed it.
//
// On a cluster both go to the primary of the channel's slot: WAIT carries
// no key, so the cluster client would send it to any primary, which would
// count replicas of writes it never had. A slot that moved meanwhile
// (MOVED) reloads the slot map and tries once more.
func (s *Store) sendAndWait(ctx context.Context, keys []string, args []any) ([]any, int64, error) {
	cluster, ok := s.rdb.(*redis.ClusterClient)
	if !ok {
		return s.sendAndWaitOn(ctx, s.rdb, keys, args)
	}
	for attempt := 0; ; attempt++ {
		primary, err := cluster.MasterForKey(ctx, keys[0])
		if err != nil {
			return nil, 0, err
		}
		res, n, err := s.sendAndWaitOn(ctx, primary, keys, args)
		if err == nil || attempt > 0 || !isMoved(err) {
			return res, n, err
		}
		cluster.ReloadState(ctx)
	}
}

// isMoved reports whether err is a cluster redirection: the slot is now
// served by another node.
func isMoved(err error) bool {
	return redis.HasErrorPrefix(err, "MOVED") || redis.HasErrorPrefix(err, "ASK")
}

func (s *Store) sendAndWaitOn(ctx context.Context, rdb redis.Cmdable, keys []string, args []any) ([]any, int64, error) {
	run := func(eval func(redis.Pipeliner) *redis.Cmd) ([]any, int64, error) {
		pipe := rdb.Pipeline()
		script := eval(pipe)
		wait := pipe.Do(ctx, "WAIT", s.cfg.SendReplicas, s.cfg.SendReplicaWait.Milliseconds())
		_, _ = pipe.Exec(ctx)
		res, err := script.Slice()
		if err != nil {
			return nil, 0, err
		}
		n, err := wait.Int64()
		if err != nil {
			return nil, 0, fmt.Errorf("wait for replicas: %w", err)
		}
		return res, n, nil
	}
	res, n, err := run(func(p redis.Pipeliner) *redis.Cmd { return s.scripts.send.EvalSha(ctx, p, keys, args...) })
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		return run(func(p redis.Pipeliner) *redis.Cmd { return s.scripts.send.Eval(ctx, p, keys, args...) })
	}
	return res, n, err
}

// publishStored publishes a stored message, as the
// send script does when it is not waiting for replicas. Publishing a
// message twice is harmless: receivers drop an offset they have.
func (s *Store) publishStored(ctx context.Context, ch Channel, sent Sent) error {
	frame := header{offset: sent.Offset, epoch: sent.Epoch}.encode(messageFrame(sent.JSON))
	if err := publishFrom(ctx, s.rdb, s.keys.ChannelLog(ch.ID), s.keys.ChannelTopic(ch.ID), frame); err != nil {
		return fmt.Errorf("send to %s: publish: %w", ch.ID, err)
	}
	return nil
}
