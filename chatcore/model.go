package chatcore

import "time"

// User is a chat user as the protocol shows it: never a password or key.
type User struct {
	UUID     string `json:"UUID"`
	Username string `json:"Username"`
	OnLine   bool   `json:"OnLine"`
}

// Message is a stored chat message. Offset is assigned by the store: the
// JSON a Message is first encoded to leaves it out (zero), and the store
// script writes it in front, so the bytes stored, published and sent are the
// same.
type Message struct {
	Offset        int64     `json:"Offset,omitempty"`
	UUID          string    `json:"UUID"`
	SenderUUID    string    `json:"SenderUUID"`
	Sender        User      `json:"Sender"`
	RecipientUUID string    `json:"RecipientUUID"`
	Recipient     *User     `json:"Recipient,omitempty"`
	Message       string    `json:"Message"`
	CreatedAt     time.Time `json:"CreatedAt"`
	ClientID      string    `json:"ClientID,omitempty"`
}

// Channel is the general channel or the private channel of two users. Its ID
// is derived from its members, so that no race can create two.
type Channel struct {
	ID      string
	Members [2]string // private channels only, sorted
}

// GeneralID is the ID of the general channel.
const GeneralID = "general"

// General returns the general channel.
func General() Channel { return Channel{ID: GeneralID} }

// Private returns the channel of users a and b, the same for (a, b) and (b, a).
func Private(a, b string) Channel {
	if b < a {
		a, b = b, a
	}
	return Channel{ID: a + ":" + b, Members: [2]string{a, b}}
}

// IsPrivate reports whether c is a private channel.
func (c Channel) IsPrivate() bool { return c.ID != GeneralID }

// Other returns the member of a private channel that is not user.
func (c Channel) Other(user string) string {
	if c.Members[0] == user {
		return c.Members[1]
	}
	return c.Members[0]
}
