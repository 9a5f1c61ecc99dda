package chatcore

import (
	"strconv"
	"strings"
)

// Redis Cluster puts a key in slot CRC16(hash tag) mod 16384; a primary
// serves a range of slots (with N primaries, usually N even ranges). The
// buckets' hash tags are chosen so that bucket b's slot is in the b-th
// sixteenth of the slots: the buckets spread evenly over any number of
// primaries up to Buckets that split the slots in even ranges, instead of
// wherever CRC16 happens to put "users:0", "users:1"...
//
// The tags are part of the data layout: changing how they are chosen
// moves every user's keys.

const clusterSlots = 16384

var (
	userTags     = spreadTags("users")
	presenceTags = spreadTags("presence")
)

// spreadTags returns, for each bucket b, the first tag "<family>:<b>.<n>"
// (n = 0, 1, ...) whose slot is in the b-th sixteenth of the slots.
func spreadTags(family string) [Buckets]string {
	var tags [Buckets]string
	for b := range Buckets {
		for n := 0; ; n++ {
			tag := family + ":" + strconv.Itoa(b) + "." + strconv.Itoa(n)
			if KeySlot(tag)*Buckets/clusterSlots == b {
				tags[b] = tag
				break
			}
		}
	}
	return tags
}

// KeySlot is the Redis Cluster slot of a key (of its hash tag, when it has
// one), as CLUSTER KEYSLOT computes it.
func KeySlot(key string) int {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	return int(crc16(key) % clusterSlots)
}

// crc16 is CRC-16/XMODEM (polynomial 0x1021, initial value 0), the
// checksum of Redis Cluster's key slots.
func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
