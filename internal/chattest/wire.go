package chattest

// Protocol payloads as a test client decodes them, with the fields tests
// check. (Tests that need the whole Message decode chatcore's types.)

// Message is a Message as a client decodes it: its position and who sent
// it.
type Message struct {
	Offset     int64  `json:"Offset"`
	UUID       string `json:"UUID"`
	SenderUUID string `json:"SenderUUID"`
	Message    string `json:"Message"`
	ClientID   string `json:"ClientID"`
}

// JoinReply is the payload of a channelJoin reply.
type JoinReply struct {
	RecipientUUID string    `json:"recipientUUID"`
	Messages      []Message `json:"messages"`
	Epoch         string    `json:"epoch"`
	Offset        *int64    `json:"offset"`
	Recovered     *bool     `json:"recovered"`
}
