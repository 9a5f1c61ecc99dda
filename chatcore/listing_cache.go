package chatcore

import (
	"context"
	"sync"
	"time"
)

// Clients ask for the first page of users on every (re)connect: after a
// deploy, thousands within seconds. The first page is read once and kept
// while this instance has seen no presence change since (nor a second
// passed: sign-ups over HTTP change the page without one), so a storm of
// such requests costs one read.

// firstPageAge bounds how long a first page is kept.
const firstPageAge = time.Second

type firstPages struct {
	mu    sync.Mutex
	pages map[int]firstPage // by limit
}

type firstPage struct {
	page    UserPage
	version uint64 // the presence view's version it was read at
	read    time.Time
}

// UsersPage returns the page of the users listing of at most limit users
// after cursor: Store.ListUsers, but the first page (cursor "") is read at
// most once per presence change or second.
func (n *Node) UsersPage(ctx context.Context, limit int, cursor string) (UserPage, error) {
	if cursor != "" {
		return n.store.ListUsers(ctx, limit, cursor, "")
	}
	version := n.hub.view.version()
	c := &n.firstPages
	c.mu.Lock()
	p, ok := c.pages[limit]
	c.mu.Unlock()
	if ok && p.version == version && time.Since(p.read) < firstPageAge {
		return p.page, nil
	}
	read := time.Now()
	page, err := n.store.ListUsers(ctx, limit, "", "")
	if err != nil {
		return UserPage{}, err
	}
	c.mu.Lock()
	if c.pages == nil || len(c.pages) > 16 {
		c.pages = map[int]firstPage{}
	}
	c.pages[limit] = firstPage{page: page, version: version, read: read}
	c.mu.Unlock()
	return page, nil
}
