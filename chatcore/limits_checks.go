package chatcore

import (
	"context"
	"net/netip"
)

// The shared limits, each a check of one subject (limits.go).

func (l *limits) signInsFrom(a netip.Addr) check {
	return check{"signin-ip", l.cfg.SignInPerAddress, addressSubject(a), "too many sign-ins from your address"}
}

func (l *limits) signInsAs(name string) check {
	return check{"signin-name", l.cfg.SignInPerUsername, name, "too many sign-ins for this username"}
}

func (l *limits) accountsFrom(a netip.Addr) check {
	return check{"signup-ip", l.cfg.SignUpsPerAddress, addressSubject(a), "too many new accounts from your address"}
}

func (l *limits) messagesOf(userID string) check {
	return check{"msg-user", l.cfg.MessagesPerUser, userID, "too many messages"}
}

func (l *limits) callsWith(accessKey string) check {
	return check{"call-key", l.cfg.CallsPerKey, hashKey(accessKey), "too many calls with this access key"}
}

func (l *limits) callsFrom(a netip.Addr) check {
	return check{"call-ip", l.cfg.CallsPerAddress, addressSubject(a), "too many calls from your address"}
}

// AllowMessage counts a message that userID sends from the client address
// from against LIMIT_MESSAGES_PER_USER, one budget for all the user's
// connections on every instance; a refusal is a *RateLimited (429).
func (s *Store) AllowMessage(ctx context.Context, from netip.Addr, userID string) error {
	if s.limits.exempts(from) {
		return nil
	}
	return s.limits.allow(ctx, s.limits.messagesOf(userID))
}

// AllowCall counts an HTTP function call from the client address from
// against LIMIT_CALLS_PER_ADDRESS and, when it carries an access key,
// against LIMIT_CALLS_PER_KEY (whether or not the key is valid: the
// address's budget bounds made-up keys). A refusal is a *RateLimited.
func (s *Store) AllowCall(ctx context.Context, from netip.Addr, accessKey string) error {
	if s.limits.exempts(from) {
		return nil
	}
	checks := []check{s.limits.callsFrom(from)}
	if accessKey != "" {
		checks = append(checks, s.limits.callsWith(accessKey))
	}
	return s.limits.allow(ctx, checks...)
}
