package scaletest

// The payloads a client decodes, with the fields the checks read, named as
// docs/PROTOCOL.md names them.

// user is a User object.
type user struct {
	UUID     string `json:"UUID"`
	Username string `json:"Username"`
	OnLine   bool   `json:"OnLine"`
}

// message is a Message object.
type message struct {
	Offset        int64  `json:"Offset"`
	UUID          string `json:"UUID"`
	SenderUUID    string `json:"SenderUUID"`
	RecipientUUID string `json:"RecipientUUID"`
	Message       string `json:"Message"`
	ClientID      string `json:"ClientID"`
}

// same reports whether m and o are the same stored message.
func (m message) same(o message) bool {
	return m.Offset == o.Offset && m.UUID == o.UUID && m.SenderUUID == o.SenderUUID &&
		m.RecipientUUID == o.RecipientUUID && m.Message == o.Message && m.ClientID == o.ClientID
}

// JoinReply is the payload of a channelJoin reply.
type JoinReply struct {
	RecipientUUID string    `json:"recipientUUID"`
	Messages      []message `json:"messages"`
	Users         []user    `json:"users"`
	Epoch         string    `json:"epoch"`
	Offset        *int64    `json:"offset"`
	Recovered     *bool     `json:"recovered"`
}

type channelRef struct {
	RecipientUUID string `json:"recipientUUID"`
}

// sysPush is the payload of a sys frame: a join or leave (Part 1), a
// gathered channelMembers, a presence change or batch, or the sign-in
// reply.
type sysPush struct {
	Type           string      `json:"type"`
	UserUUID       string      `json:"userUUID"`
	User           *user       `json:"user"`
	ChannelJoin    *channelRef `json:"channelJoin"`
	ChannelLeave   *channelRef `json:"channelLeave"`
	ChannelMembers *struct {
		RecipientUUID string `json:"recipientUUID"`
		Joined        []user `json:"joined"`
		Left          []user `json:"left"`
	} `json:"channelMembers"`
	Presence      *user  `json:"presence"`
	PresenceBatch []user `json:"presenceBatch"`
}

// typingPush is the payload of a typing push.
type typingPush struct {
	RecipientUUID string `json:"recipientUUID"`
	User          user   `json:"user"`
}

// notifyPush is the payload of a notify push.
type notifyPush struct {
	RecipientUUID string  `json:"recipientUUID"`
	Message       message `json:"message"`
}

// auth is the payload of an authorized reply.
type auth struct {
	UserUUID  string `json:"userUUID"`
	AccessKey string `json:"accessKey"`
}
