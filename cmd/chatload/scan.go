package main

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// The receive path does not decode frames: the server writes the type first
// ({"type":"channelMessage","channelMessage":{"Offset":7,...,"ClientID":"..."}}),
// the Offset first in a message and the ClientID last, and inside a JSON
// string every quote is escaped, so a key found with its quotes is a key.
var (
	typePrefix    = []byte(`{"type":"`)
	sysPrefix     = []byte(`{"sys":`) // presence and join pushes are encoded from a map: keys sorted
	messagePrefix = []byte(`{"type":"channelMessage",`)
	errorPrefix   = []byte(`{"type":"error",`)
	offsetKey     = []byte(`"Offset":`)
	clientIDKey   = []byte(`"ClientID":"`)
	joinOffsetKey = []byte(`"offset":`) // the channelJoin reply's channel offset
	typeSys       = []byte("sys")
)

// frameType returns the type of a frame, decoding it only when it does not
// start with its type.
func frameType(data []byte) []byte {
	if rest, ok := bytes.CutPrefix(data, typePrefix); ok {
		if i := bytes.IndexByte(rest, '"'); i >= 0 {
			return rest[:i]
		}
	}
	if bytes.HasPrefix(data, sysPrefix) {
		return typeSys
	}
	var env struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(data, &env)
	return []byte(env.Type)
}

// intAfter parses the number right after data[i:] starts with key.
func intAfter(data []byte, i int, key []byte) (int64, bool) {
	var n int64
	j := i + len(key)
	for ; j < len(data) && data[j] == ' '; j++ {
	}
	start := j
	for ; j < len(data) && data[j] >= '0' && data[j] <= '9'; j++ {
		n = n*10 + int64(data[j]-'0')
	}
	return n, j > start
}

// firstInt returns the number after the first occurrence of key.
func firstInt(data, key []byte) (int64, bool) {
	i := bytes.Index(data, key)
	if i < 0 {
		return 0, false
	}
	return intAfter(data, i, key)
}

// maxInt returns the largest number after any occurrence of key.
func maxInt(data, key []byte) (int64, bool) {
	var best int64
	found := false
	for off := 0; ; {
		i := bytes.Index(data[off:], key)
		if i < 0 {
			return best, found
		}
		if n, ok := intAfter(data, off+i, key); ok {
			best, found = max(best, n), true
		}
		off += i + len(key)
	}
}

// messageClientID returns the ClientID of a channelMessage frame (nil when
// it has none).
func messageClientID(data []byte) []byte {
	i := bytes.LastIndex(data, clientIDKey)
	if i < 0 {
		return nil
	}
	rest := data[i+len(clientIDKey):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return nil
	}
	return rest[:j]
}

// joinOffset is the last offset of the channel a channelJoin reply answers
// for: its "offset" when the server sends one, else the newest message of
// its history (0 for an empty channel).
func joinOffset(data []byte) int64 {
	if i := bytes.LastIndex(data, joinOffsetKey); i >= 0 {
		if n, ok := intAfter(data, i, joinOffsetKey); ok {
			return n
		}
	}
	n, _ := maxInt(data, offsetKey)
	return n
}

// A clientID the tool sends is "<run>.<sender>.<seq>.<sent>": the run's ID
// (so that no other run's messages are taken for ours, and the server's
// clientID dedupe never matches an earlier run's), the sender's client
// index, the sender's sequence number and the send time in nanoseconds since
// the run started (the same clock reads it: one process sends and receives).

func appendClientID(b, run []byte, sender, seq int, sent int64) []byte {
	b = append(b, run...)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(sender), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(seq), 10)
	b = append(b, '.')
	return strconv.AppendInt(b, sent, 10)
}

// parseClientID reads a clientID of run; ok is false for any other.
func parseClientID(id, run []byte) (sender int, sent int64, ok bool) {
	rest, ok := bytes.CutPrefix(id, run)
	if !ok || len(rest) == 0 || rest[0] != '.' {
		return 0, 0, false
	}
	fields := [3]int64{}
	rest = rest[1:]
	for f := range fields {
		j := 0
		for ; j < len(rest) && rest[j] >= '0' && rest[j] <= '9'; j++ {
			fields[f] = fields[f]*10 + int64(rest[j]-'0')
		}
		if j == 0 || f < 2 && (j == len(rest) || rest[j] != '.') || f == 2 && j != len(rest) {
			return 0, 0, false
		}
		if f < 2 {
			rest = rest[j+1:]
		}
	}
	return int(fields[0]), fields[2], true
}

// frameError is an error frame's payload.
type frameError struct {
	Code     int    `json:"code"`
	Text     string `json:"error"`
	Request  string `json:"request"`
	ClientID string `json:"clientID"`
}

func (e *frameError) Error() string {
	return strconv.Itoa(e.Code) + " " + e.Text
}

// parseError decodes an error frame (rare: encoding/json is fine).
func parseError(data []byte) *frameError {
	var env struct {
		Error frameError `json:"error"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return &frameError{Text: "undecodable error frame"}
	}
	return &env.Error
}
