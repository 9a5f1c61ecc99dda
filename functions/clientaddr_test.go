package functions

import (
	"net/http"
	"testing"
)

func TestClientAddress(t *testing.T) {
	for _, tc := range []struct {
		xff  []string
		hops int
		want string
	}{
		{nil, 0, "10.0.0.9"},
		{[]string{"192.0.2.1"}, 0, "10.0.0.9"},              // no proxy trusted: the socket
		{[]string{"192.0.2.1"}, 1, "192.0.2.1"},             // Cloud Run's front end
		{[]string{"6.6.6.6, 192.0.2.1"}, 1, "192.0.2.1"},    // a forged first entry is skipped
		{[]string{"6.6.6.6", "192.0.2.1"}, 1, "192.0.2.1"},  // header lines count as entries
		{[]string{"192.0.2.1, 35.191.0.1"}, 2, "192.0.2.1"}, // a load balancer in front
		{[]string{"192.0.2.1"}, 2, "10.0.0.9"},              // fewer entries than proxies
		{[]string{"not-an-ip"}, 1, "10.0.0.9"},              // garbage
		{[]string{"::ffff:192.0.2.1"}, 1, "192.0.2.1"},      // IPv4 in IPv6
		{[]string{"2001:db8::1"}, 1, "2001:db8::1"},         // IPv6
	} {
		r, _ := http.NewRequest(http.MethodGet, "/ws", nil)
		r.RemoteAddr = "10.0.0.9:4242"
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := clientAddress(r, tc.hops).String(); got != tc.want {
			t.Errorf("X-Forwarded-For %q, hops %d: %s, want %s", tc.xff, tc.hops, got, tc.want)
		}
	}
}
