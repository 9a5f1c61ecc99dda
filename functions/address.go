package functions

import (
	"net/netip"
)

// addressed is a Session that knows its client's address: a websocket
// (captured at the upgrade) or an HTTP call.
type addressed interface{ Address() netip.Addr }

// Address returns the client address of the call (clientaddr.go), invalid
// when its session has none: the shared limits then do not apply.
func (c *Call) Address() netip.Addr {
	if a, ok := c.Session.(addressed); ok {
		return a.Address()
	}
	return netip.Addr{}
}

func (s wsSession) Address() netip.Addr    { return s.addr }
func (s *httpSession) Address() netip.Addr { return s.addr }
