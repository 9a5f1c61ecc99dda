package functions

import (
	"net/http"
	"regexp"
)

// The security headers of every response: the browser client's page and
// files, the HTTP functions' JSON, /health, /metrics and the errors. The
// page keeps its access key in the tab's storage, so what may run in it is
// held to the client's own files.
//
//   - Content-Security-Policy: scripts and styles only from the page's own
//     origin, never inline (no inline <script>, style attribute or on*
//     handler runs), no eval, no plugins, images and the icon from the
//     origin, network connections only to the origin (the websocket
//     included: see connectSources), no <base> and no form submission (the
//     forms are handled by script, so a password can never land in a URL),
//     and no framing by any page (clickjacking). require-trusted-types-for
//     makes the browser refuse HTML strings assigned to innerHTML and the
//     like: the client writes text only (views/dom.js).
//   - X-Content-Type-Options: nosniff: a file is only ever what its
//     Content-Type says (a message text cannot be sniffed into a script).
//   - Referrer-Policy: same-origin: no Referer reaches another site (a link
//     in a message does not tell its site the chat's address, which may be
//     a private service URL), while the chat's own requests keep theirs for
//     its request logs. no-referrer would hide it from the chat too, and
//     turn the Origin of a same-origin form POST into "null".
//   - X-Frame-Options: DENY: frame-ancestors for browsers older than CSP 2.
func setSecurityHeaders(h http.Header, r *http.Request) {
	h.Set("Content-Security-Policy", contentSecurityPolicy(r.Host))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
}

// withSecurityHeaders sets the security headers, then runs next.
func withSecurityHeaders(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w.Header(), r)
		next(w, r)
	}
}

// contentSecurityPolicy is the policy of a response to a request for host.
func contentSecurityPolicy(host string) string {
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; manifest-src 'self'; " +
		"connect-src " + connectSources(host) + "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; " +
		"require-trusted-types-for 'script'; trusted-types 'none'"
}

// connectSources allows the page's own origin and its websocket. CSP 3
// lets 'self' match ws: and wss: of the same host, and Chromium does (156
// opens the socket under connect-src 'self' alone); browsers of CSP 2,
// where 'self' is only http: and https:, need the websocket's origin
// written out. It is added for a Host header that is a plain host name or
// address; anything else, which no browser sends, gets 'self' alone rather
// than text copied into the policy.
func connectSources(host string) string {
	if !plainHost.MatchString(host) {
		return "'self'"
	}
	return "'self' ws://" + host + " wss://" + host
}

// plainHost is a host name, IPv4 or bracketed IPv6 address, with an
// optional port.
var plainHost = regexp.MustCompile(`^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$`)
