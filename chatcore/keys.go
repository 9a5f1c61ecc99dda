package chatcore

import "strings"

// Keys builds every Redis key and pub/sub channel name of the service, from
// one prefix. Keys that a script touches together share a hash tag ({...}),
// so that each group lives on one Redis Cluster slot:
//
//   - each chat channel in {ch:<id>};
//   - each user's notifications, private channels and read positions in
//     {user:<id>};
//   - user records and the users listing in Buckets buckets {users:<b>.<n>},
//     a user in the bucket of their ID (UserBucket) and the name index
//     entry in the bucket of their name: a new user's ID is drawn in the
//     bucket of their name (NewUserID), so that creating a user is one
//     script on one slot;
//   - presence in Buckets buckets {presence:<b>.<n>}, by the user ID's
//     bucket (slots.go chooses n to spread the buckets over the slots);
//   - each abuse limit's subject in its own slot.
//
// No group sits in one slot for all users, so a cluster spreads the load
// of users and presence over its primaries (up to Buckets of them).
// The README's "Redis key schema" table documents each key; keep them in step.
type Keys struct{ prefix string }

// NewKeys returns the key builder for prefix (for example "chat:").
func NewKeys(prefix string) Keys { return Keys{prefix: prefix} }

// users and presence are the hash tags of bucket b (slots.go).
func (k Keys) users(b int) string    { return k.prefix + "{" + userTags[b] + "}" }
func (k Keys) presence(b int) string { return k.prefix + "{" + presenceTags[b] + "}" }

// UserByName is the HASH, in the bucket of the normalised username
// nameKey, from normalised username to user ID.
func (k Keys) UserByName(nameKey string) string { return k.users(NameBucket(nameKey)) + ":byname" }

// UserNames is the HASH of bucket b from user ID to display username.
func (k Keys) UserNames(b int) string { return k.users(b) + ":names" }

// UsersSorted is the ZSET of the users of bucket b, score 0, member
// "<lower-case name>\x00<user ID>": the users listing in name order, paged
// with ZRANGEBYLEX over every bucket at once (listing.go); the sum of their
// ZCARDs is the number of users.
func (k Keys) UsersSorted(b int) string { return k.users(b) + ":sorted" }

// User is a HASH with the fields username, password (bcrypt) and created,
// in the bucket of the user's ID.
func (k Keys) User(id string) string { return k.users(UserBucket(id)) + ":user:" + id }

// Session is a STRING holding the user ID of an access key, named by the
// SHA-256 of the key, with a sliding TTL.
func (k Keys) Session(keyHash string) string { return k.prefix + "session:" + keyHash }

func (k Keys) channel(id string) string { return k.prefix + "{ch:" + id + "}" }

// ChannelSeq is a STRING counter: the last offset given in a channel.
func (k Keys) ChannelSeq(id string) string { return k.channel(id) + ":seq" }

// ChannelLog is a STREAM of a channel's messages, entry ID <offset>-0, field
// "m" the message JSON, trimmed to the retention bound.
func (k Keys) ChannelLog(id string) string { return k.channel(id) + ":log" }

// ChannelEpoch is a STRING: a random ID created with the channel's stream
// and replaced when the stream is found to have gone back (Redis lost data,
// a failover lost the last writes). A client's position is an offset and
// this epoch.
func (k Keys) ChannelEpoch(id string) string { return k.channel(id) + ":epoch" }

// SentMessage is a STRING holding the offset a message (by its UUID) was
// stored at, kept a minute, so that a command that Redis runs twice (a
// client library's retry after a timeout) stores the message once.
func (k Keys) SentMessage(channelID, messageID string) string {
	return k.channel(channelID) + ":sent:" + messageID
}

// ChannelMembers is a SET of the user IDs that have joined a channel.
func (k Keys) ChannelMembers(id string) string { return k.channel(id) + ":members" }

// ClientID is a STRING holding the offset of the message a user sent with a
// clientID, kept 10 minutes so a retry is stored once.
func (k Keys) ClientID(channelID, userID, clientID string) string {
	return k.channel(channelID) + ":cid:" + userID + ":" + clientID
}

// DataEpoch is a STRING: a random ID created when the chat's data is, so
// that clients can tell that Redis lost everything (restart without
// persistence) from an ordinary reconnect.
func (k Keys) DataEpoch() string { return k.prefix + "data:epoch" }

// PresenceOnline is the ZSET of bucket b of online user IDs scored by
// the time (Unix ms) their presence expires unless an instance renews it.
func (k Keys) PresenceOnline(b int) string { return k.presence(b) + ":online" }

// PresenceByName is the ZSET of bucket b of the online users, score 0,
// member as in UsersSorted: the online part of the users listing, in name
// order.
func (k Keys) PresenceByName(b int) string { return k.presence(b) + ":byname" }

// PresenceSweeper is a STRING held for one PRESENCE_REFRESH by the
// instance that sweeps expired presence, so that one instance sweeps at a
// time.
func (k Keys) PresenceSweeper() string { return k.prefix + "presence:sweeper" }

// PresenceUser is a HASH of one user's presence, in the bucket of the
// user's ID: "u" the user's JSON, "k" the user's PresenceByName member, and
// one field "i:<instance>" per server instance with the user signed in,
// valued with its expiry (Unix ms).
func (k Keys) PresenceUser(id string) string { return k.presence(UserBucket(id)) + ":user:" + id }

// Limit is a STRING of one abuse limit (limit names it: "signin-ip",
// "msg-user", ...) for one subject (an address, a username, a user ID, an
// access key's hash): the theoretical arrival time (Unix ms) of the
// subject's next request at the sustained rate (GCRA), expiring when it
// has passed. The whole key is its own hash tag: each check is one slot.
func (k Keys) Limit(limit, subject string) string {
	return k.prefix + "{limit:" + limit + ":" + subject + "}"
}

func (k Keys) passwordFailures(name string) string { return k.prefix + "{pwfail:" + name + "}" }

// PasswordFailures is a STRING counting the wrong passwords given for a
// normalised username, forgotten twice LIMIT_PASSWORD_MAX_LOCK after the
// last one, or at a good one.
func (k Keys) PasswordFailures(name string) string { return k.passwordFailures(name) + ":count" }

// PasswordLock is a STRING that exists while a normalised username is
// locked after too many wrong passwords; its TTL is the lock's remaining
// time. It shares PasswordFailures' hash tag: one script sets both.
func (k Keys) PasswordLock(name string) string { return k.passwordFailures(name) + ":lock" }

// ChannelTopic is the pub/sub channel of a chat channel's frames.
func (k Keys) ChannelTopic(id string) string { return k.channel(id) + ":pub" }

// UserTopic is the pub/sub channel of frames for every connection of a user
// (notifications).
func (k Keys) UserTopic(id string) string { return k.prefix + "user:" + id + ":pub" }

// InstanceTopic is the pub/sub channel of one server instance's own
// markers: published after a read from Redis and received in order after
// every frame published before it, it tells the instance that it has seen
// all that the read saw.
func (k Keys) InstanceTopic(id string) string { return k.prefix + "instance:" + id + ":pub" }

// UserNotifyLog is a STREAM of the notify frames sent to a user (field "u"
// the message UUID, "c" the channel, "f" the frame), trimmed to about
// notifyLogLength, from which an instance catches up the notifications its
// connections missed in a pub/sub gap.
func (k Keys) UserNotifyLog(id string) string { return k.prefix + "{user:" + id + "}:notify" }

// BroadcastTopic is the pub/sub channel of frames for every signed-in
// connection of every instance (presence).
func (k Keys) BroadcastTopic() string { return k.prefix + "broadcast" }

// topicKind is what a pub/sub topic feeds.
type topicKind int

const (
	topicChannel topicKind = iota + 1
	topicUser
	topicBroadcast
	topicInstance
)

// parseTopic returns what a topic built by ChannelTopic, UserTopic or
// BroadcastTopic feeds, and the channel or user ID it names.
func (k Keys) parseTopic(topic string) (topicKind, string, bool) {
	rest, ok := strings.CutPrefix(topic, k.prefix)
	if !ok {
		return 0, "", false
	}
	switch {
	case rest == "broadcast":
		return topicBroadcast, "", true
	case strings.HasPrefix(rest, "instance:") && strings.HasSuffix(rest, ":pub"):
		return topicInstance, rest[len("instance:") : len(rest)-len(":pub")], true
	case strings.HasPrefix(rest, "{ch:") && strings.HasSuffix(rest, "}:pub"):
		return topicChannel, rest[len("{ch:") : len(rest)-len("}:pub")], true
	case strings.HasPrefix(rest, "user:") && strings.HasSuffix(rest, ":pub"):
		return topicUser, rest[len("user:") : len(rest)-len(":pub")], true
	}
	return 0, "", false
}

// UserChannels is a ZSET of the private channels a user has (joined, or
// was sent a message in), each by the other member's UUID (the channel's
// recipientUUID as the user names it), scored by its last activity (Unix
// ms); trimmed to the most recent userChannelsLimit. In the user's slot.
func (k Keys) UserChannels(id string) string { return k.prefix + "{user:" + id + "}:channels" }

// UserReads is a HASH of a user's read positions: recipientUUID ("" is
// the general channel) -> the offset the user has read up to. In the
// user's slot.
func (k Keys) UserReads(id string) string { return k.prefix + "{user:" + id + "}:reads" }
