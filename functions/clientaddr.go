package functions

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientAddress is the address of the client that made r. Behind hops
// proxies that each append the address they were reached from to
// X-Forwarded-For, it is the entry hops from the end: on Cloud Run, whose
// front end appends the client's address as the last entry, hops is 1,
// and everything before that entry is the client's own to forge. With
// hops 0, or fewer entries than hops (a request that did not come through
// the proxies), it is the socket's peer.
func clientAddress(r *http.Request, hops int) netip.Addr {
	if hops > 0 {
		var entries []string
		for _, line := range r.Header.Values("X-Forwarded-For") {
			for _, e := range strings.Split(line, ",") {
				entries = append(entries, strings.TrimSpace(e))
			}
		}
		if len(entries) >= hops {
			if a, err := netip.ParseAddr(entries[len(entries)-hops]); err == nil {
				return a.Unmap()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}
