package chatcore

import (
	"context"
	"sort"
)

// A connection that was given a page of the users listing (a users reply,
// the members page of a general join) is from then on told of presence
// changes, and of joins and leaves of the general channel, only for the
// users it can show: those in the part of the listing it was given, itself,
// and the other member of the private channel it is joined to. Told of
// everyone, n sign-ins would cost n²/2 pushes; told of its part, a
// connection's pushes grow with the changes in what it shows. A client that
// read the listing to its end (every chat with fewer online users than a
// page) is told of everyone, and so is one that never read it, as before.

// view is the part of the users listing a connection was given: the online
// users up to an index member, or all of them.
type view struct {
	given   bool   // a page was given: before, every change is told
	reading int    // listing reads in flight: every change is told meanwhile
	all     bool   // it was given every online user
	upTo    string // else the online users up to this member (sortMember), "" for none
}

// shows reports whether a user with index member key is in the view.
func (v *view) shows(key string) bool {
	return !v.given || v.reading > 0 || v.all || v.upTo != "" && key <= v.upTo
}

// shown is how many of keys (sorted) are in the view: they come first.
func (v *view) shown(keys []string) int {
	if !v.given || v.reading > 0 || v.all {
		return len(keys)
	}
	if v.upTo == "" {
		return 0
	}
	return sort.Search(len(keys), func(i int) bool { return keys[i] > v.upTo })
}

// extend adds a page that ends at the cursor next ("" at the listing's end)
// to the view.
func (v *view) extend(next string) {
	v.given = true
	online, from, err := parseCursor(next)
	switch {
	case next == "" || err != nil || !online:
		v.all = true // the page reached the offline part: every online user was given
	case from > v.upTo:
		v.upTo = from
	}
}

// ShowUsers runs read, a read of a page of the users listing for this
// connection's client, and adds the page to what the client is told about.
// While it reads, the connection is told of every change, so that none
// falls between the read and the view.
func (c *Conn) ShowUsers(ctx context.Context, read func(context.Context) (UserPage, error)) (UserPage, error) {
	c.mu.Lock()
	c.view.reading++
	c.mu.Unlock()
	page, err := read(ctx)
	c.mu.Lock()
	c.view.reading--
	if err == nil {
		c.view.extend(page.Next)
	}
	c.mu.Unlock()
	return page, err
}

// watchesLocked reports whether the connection is told of id's changes
// whatever its view: its own user, and the other member of its private
// channel.
func (c *Conn) watchesLocked(id string) bool {
	return c.signedIn && id != "" && (c.user.UUID == id || c.peerLocked() == id)
}

// shows reports whether the connection is told of changes of u.
func (c *Conn) shows(u User) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.watchesLocked(u.UUID) || c.view.shows(sortMember(u.Username, u.UUID))
}
