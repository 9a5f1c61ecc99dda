package chatcore

import (
	"net/netip"
	"sync"
)

// sockets counts the open websockets of each client address on this
// instance, so that one address cannot take the instance's connection
// slots (MAX_SOCKETS_PER_ADDRESS). Networks in LIMIT_EXEMPT_NETWORKS are
// not counted.
type sockets struct {
	max    int
	exempt Networks

	mu   sync.Mutex
	open map[netip.Addr]int
}

func newSockets(cfg Config) *sockets {
	exempt, _ := ParseNetworks(cfg.LimitExemptNetworks) // Validate has checked it
	return &sockets{max: cfg.SocketsPerAddress, exempt: exempt, open: map[netip.Addr]int{}}
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
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open[addr] >= s.max {
		return nil, false
	}
	s.open[addr]++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.open[addr]--; s.open[addr] <= 0 {
				delete(s.open, addr)
			}
		})
	}, true
}
