package functions

import (
	"context"
	"fmt"
	"slices"
)

// Handler handles one request of its message type.
type Handler func(ctx context.Context, c *Call) error

// entry is one row of the table.
type entry struct {
	name   string
	handle Handler
	public bool // may be called before signing in
}

// entries is the table of message types: one row per type, one file per
// handler.
func entries() []entry {
	return []entry{
		{name: "signUp", handle: signUp, public: true},
		{name: "signIn", handle: signIn, public: true},
		{name: "signOut", handle: signOut},
		{name: "users", handle: users},
		{name: "channelJoin", handle: channelJoin},
		{name: "channelLeave", handle: channelLeave},
		{name: "channelMessage", handle: channelMessage},
		{name: "channelHistory", handle: channelHistory},
		{name: "typing", handle: typing},
		{name: "channelRead", handle: channelRead},
		{name: "channels", handle: channels},
	}
}

// table maps type names to their entries.
type table map[string]entry

// newTable builds the table, failing on a name given twice or one that
// would clash with the server's own paths.
func newTable(rows []entry) (table, error) {
	t := make(table, len(rows))
	for _, e := range rows {
		if _, dup := t[e.name]; dup {
			return nil, fmt.Errorf("functions: message type %q registered twice", e.name)
		}
		if slices.Contains(reservedNames, e.name) {
			return nil, fmt.Errorf("functions: message type %q clashes with a server path", e.name)
		}
		t[e.name] = e
	}
	return t, nil
}

// reservedNames are the paths the server serves besides the message types.
var reservedNames = []string{"ws", "health", "metrics", ""}

// Names returns the message types in the table's order.
func Names() []string {
	rows := entries()
	names := make([]string, len(rows))
	for i, e := range rows {
		names[i] = e.name
	}
	return names
}
