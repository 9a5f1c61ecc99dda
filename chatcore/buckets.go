package chatcore

import (
	"hash/crc32"

	"github.com/google/uuid"
)

// Buckets is how many buckets user records, the users listing and
// presence are spread over (keys.go): a Redis Cluster spreads them over up
// to this many primaries. Changing it moves every user's keys: it is part
// of the data layout, not a setting.
const Buckets = 16

// UserBucket is the bucket of a user's record and presence.
func UserBucket(id string) int { return bucketOf(id) }

// NameBucket is the bucket of a normalised username's entry in the name
// index.
func NameBucket(nameKey string) int { return bucketOf(nameKey) }

func bucketOf(s string) int { return int(crc32.ChecksumIEEE([]byte(s)) % Buckets) }

// NewUserID draws a random user ID (a version 4 UUID) whose bucket is the
// bucket of the normalised username nameKey, so that the name index entry
// and the user's record share a slot and one script creates both. It takes
// Buckets draws on average; the ID keeps 118 random bits.
func NewUserID(nameKey string) string {
	want := NameBucket(nameKey)
	for {
		if id := uuid.NewString(); UserBucket(id) == want {
			return id
		}
	}
}

// byBucket groups user IDs by bucket, keeping each one's index in ids.
func byBucket(ids []string) map[int][]int {
	out := make(map[int][]int)
	for i, id := range ids {
		b := UserBucket(id)
		out[b] = append(out[b], i)
	}
	return out
}
