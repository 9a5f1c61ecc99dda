package chatcore

import (
	"fmt"
	"net/netip"
	"strings"
)

// Networks is a list of client networks, as LIMIT_EXEMPT_NETWORKS gives.
type Networks []netip.Prefix

// ParseNetworks reads a comma-separated list of CIDR prefixes ("" is none).
func ParseNetworks(s string) (Networks, error) {
	var ns Networks
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not a network (CIDR, such as 10.0.0.0/8)", part)
		}
		ns = append(ns, p.Masked())
	}
	return ns, nil
}

// Contains reports whether addr is in one of the networks.
func (ns Networks) Contains(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range ns {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}
