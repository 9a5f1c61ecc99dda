package chatcore

import (
	"net/netip"
	"sync"
)

// sockets counts the open websockets of each client address (an IPv6
// client's /64) on this instance, so that one address cannot take the instance's connection
// slots (MAX_SOCKETS_PER_ADDRESS). Networks in LIMIT_EXEMPT_NETWORKS are
// not counted.
type sockets struct {
	max    int
	exempt Networks

	mu   sync.Mutex
	open map[string]int // by addressSubject
}

func newSockets(cfg Config) *sockets {
	exempt, _ := ParseNetworks(cfg.LimitExemptNetworks) // Validate has checked it
	return &sockets{max: cfg.SocketsPerAddress, exempt: exempt, open: map[string]int{}}
}

// Admit counts a new websocket of addr and returns the function that
// uncounts it when it ends, or false when addr has MAX_SOCKETS_PER_ADDRESS
// open already.
func (h *Hub) Admit(addr netip.Addr) (release func(), ok bool) {
	s := h.sockets
	addr = addr.Unmap()
	if s.max == 0 || !addr.IsValid() || s.exempt.Contains(addr) {
		return func() {}, true
	}
	key := addressSubject(addr) // an IPv6 client counts as its /64, as in the limits
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open[key] >= s.max {
		return nil, false
	}
	s.open[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.open[key]--; s.open[key] <= 0 {
				delete(s.open, key)
			}
		})
	}, true
}
