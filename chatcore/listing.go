package chatcore

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// The users listing is read a page at a time from two indexes kept for it,
// never from every user: the online users by name (PresenceByName), then
// every user by name (UsersSorted) skipping the online ones. Each index is
// spread over Buckets keys, read together and merged (bucketRange). A page
// reads at most a few chunks of either, so its cost does not grow with the
// number of users. A cursor names where the next page starts.

// sortMember is a user's member in the name indexes: names compare as the
// listing orders them (case-insensitively, then by ID).
func sortMember(name, id string) string { return strings.ToLower(name) + "\x00" + id }

// memberUser is the user a name index member names; the display name is
// read separately (the index holds it lower-cased).
func memberID(m string) string {
	_, id, _ := strings.Cut(m, "\x00")
	return id
}

// Page of users: a listing's users and the cursor of the next page, "" at
// the end.
type UserPage struct {
	Users []User
	Next  string
	Total int64 // users in all
}

// listChunks bounds the index reads of one page.
const listChunks = 8

// ListUsers returns up to limit users after cursor (from the start when
// ""), online users first, each part by name. memberOf, when not "", is a
// SET of user IDs that the listing keeps to (a channel's members).
func (s *Store) ListUsers(ctx context.Context, limit int, cursor, memberOf string) (UserPage, error) {
	online, from, err := parseCursor(cursor)
	if err != nil {
		return UserPage{}, err
	}
	limit = max(1, min(limit, s.cfg.UsersLimit))
	chunk := int64(max(limit, 50))
	var page UserPage
	var members []string
	var onlineN int
	done := false
	r := s.newBucketRange(online, from, chunk)
	for reads := 0; reads < listChunks && len(members) < limit; reads++ {
		got, more, err := r.next(ctx, chunk)
		if err != nil {
			return UserPage{}, fmt.Errorf("list users: %w", err)
		}
		keep, err := s.keepMembers(ctx, got, online, memberOf)
		if err != nil {
			return UserPage{}, err
		}
		for i, m := range got {
			from = m
			if !keep[i] {
				continue
			}
			members = append(members, m)
			if online {
				onlineN++
			}
			if len(members) == limit {
				break
			}
		}
		if !more && (len(got) == 0 || from == got[len(got)-1]) {
			if !online {
				done = true
				break // the end of the listing
			}
			online, from = false, ""
			r = s.newBucketRange(online, from, chunk)
		}
	}
	if !done { // "a" and no member: the offline part from its start
		page.Next = makeCursor(online, from)
	}
	users, total, err := s.describe(ctx, members, onlineN)
	if err != nil {
		return UserPage{}, err
	}
	page.Users, page.Total = users, total
	return page, nil
}

// keepMembers says which members of a chunk belong in the listing: in the
// offline part, those not online; with memberOf, its members only.
func (s *Store) keepMembers(ctx context.Context, got []string, online bool, memberOf string) ([]bool, error) {
	keep := make([]bool, len(got))
	for i := range keep {
		keep[i] = true
	}
	if len(got) == 0 {
		return keep, nil
	}
	pipe := s.rdb.Pipeline()
	var listedOnline func() []bool
	var in *redis.BoolSliceCmd
	if !online {
		listedOnline = s.queueListedOnline(ctx, pipe, got)
	}
	if memberOf != "" {
		ids := make([]any, len(got))
		for i, m := range got {
			ids[i] = memberID(m)
		}
		in = pipe.SMIsMember(ctx, memberOf, ids...)
	}
	if listedOnline == nil && in == nil {
		return keep, nil
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("list users: filter: %w", err)
	}
	var present []bool
	if listedOnline != nil {
		present = listedOnline()
	}
	for i := range got {
		if i < len(present) && present[i] { // online: listed in the first part
			keep[i] = false
		}
		if in != nil && !in.Val()[i] {
			keep[i] = false
		}
	}
	return keep, nil
}

// describe turns index members into users (display names read in one
// round trip; the first onlineN are online) and reads the total.
func (s *Store) describe(ctx context.Context, members []string, onlineN int) ([]User, int64, error) {
	pipe := s.rdb.Pipeline()
	total := s.queueUserCount(ctx, pipe)
	ids := make([]string, len(members))
	for i, m := range members {
		ids[i] = memberID(m)
	}
	names := s.queueNames(ctx, pipe, ids)
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, 0, fmt.Errorf("list users: names: %w", err)
	}
	users := make([]User, 0, len(members))
	for i, name := range names() {
		if name != "" {
			users = append(users, User{UUID: ids[i], Username: name, OnLine: i < onlineN})
		}
	}
	return users, total(), nil
}

func lexAfter(m string) string {
	if m == "" {
		return "-"
	}
	return "(" + m
}

// makeCursor and parseCursor encode where a listing goes on: the part
// (online or not) and the last member read.
func makeCursor(online bool, from string) string {
	part := "a"
	if online {
		part = "o"
	}
	return base64.RawURLEncoding.EncodeToString([]byte(part + from))
}

func parseCursor(c string) (online bool, from string, err error) {
	if c == "" {
		return true, "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) == 0 || b[0] != 'o' && b[0] != 'a' || len(b) > 512 {
		return false, "", Errorf(CodeInvalid, "after is not a cursor this server gave")
	}
	return b[0] == 'o', string(b[1:]), nil
}
