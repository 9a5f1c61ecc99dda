package chatcore

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// Frame returns the protocol envelope {"type": typ, typ: payload}.
func Frame(typ string, payload any) ([]byte, error) {
	p, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	name, _ := json.Marshal(typ)
	var b bytes.Buffer
	b.Grow(len(p) + 2*len(name) + 12)
	b.WriteString(`{"type":`)
	b.Write(name)
	b.WriteByte(',')
	b.Write(name)
	b.WriteByte(':')
	b.Write(p)
	b.WriteByte('}')
	return b.Bytes(), nil
}

// sysFrame is the push telling a channel's members that user joined or left
// (typ "channelJoin" or "channelLeave"). recipientUUID names the channel as
// the receivers would: empty for general, the user's UUID for a private
// channel. userUUID and user sit both in the sys payload (as the protocol
// document writes) and beside it (as the original demo sent them).
func sysFrame(typ string, user User, recipientUUID string) []byte {
	type channelRef struct {
		RecipientUUID string `json:"recipientUUID"`
	}
	inner := map[string]any{"type": typ, typ: channelRef{recipientUUID}, "userUUID": user.UUID, "user": user}
	b, _ := json.Marshal(map[string]any{"type": "sys", "sys": inner, "userUUID": user.UUID, "user": user})
	return b
}

// typingFrame is the push telling a channel's other members that user types.
func typingFrame(user User, recipientUUID string) []byte {
	b, _ := Frame("typing", map[string]any{"recipientUUID": recipientUUID, "user": user})
	return b
}

// header is the line in front of every frame the bridge carries:
// "offset,skipUser,skipChannel,flags,epoch,notifyID". offset is set for stored
// messages; skipUser names a user whose connections must not get the frame;
// skipChannel names a channel whose joined connections must not get it;
// flags holds "d" for a frame that may be dropped under load and "g" for a
// join or leave that may be gathered with others; epoch is the
// epoch of the channel's stream for stored messages; notifyID is the entry
// ID of a notify frame in its user's notification log; revoke names (by its
// hash) an access key whose connections the frame signs out; skipSession
// names a connection (its session UUID) that must not get the frame.
// Instances of an older version read only the first four fields and ignore
// the rest.
type header struct {
	offset      int64
	skipUser    string
	skipChannel string
	droppable   bool
	gather      bool // a join or leave of a channel: may be gathered with others
	epoch       string
	notifyID    string
	revoke      string
	skipSession string

	created int64 // a stored message's CreatedAt (Unix ns), read once per instance; not encoded
}

func parsePayload(p []byte) (header, []byte, bool) {
	line, frame, ok := bytes.Cut(p, []byte{'\n'})
	if !ok {
		return header{}, nil, false
	}
	parts := bytes.SplitN(line, []byte{','}, 8)
	var h header
	if len(parts[0]) > 0 {
		n, err := strconv.ParseInt(string(parts[0]), 10, 64)
		if err != nil {
			return header{}, nil, false
		}
		h.offset = n
	}
	if len(parts) > 1 {
		h.skipUser = string(parts[1])
	}
	if len(parts) > 2 {
		h.skipChannel = string(parts[2])
	}
	if len(parts) > 3 {
		h.droppable = bytes.IndexByte(parts[3], 'd') >= 0
		h.gather = bytes.IndexByte(parts[3], 'g') >= 0
	}
	if len(parts) > 4 {
		h.epoch = string(parts[4])
	}
	if len(parts) > 5 {
		h.notifyID = string(parts[5])
	}
	if len(parts) > 6 {
		h.revoke = string(parts[6])
	}
	if len(parts) > 7 {
		h.skipSession = string(parts[7])
	}
	return h, frame, true
}

func (h header) encode(frame []byte) []byte {
	b := make([]byte, 0, len(frame)+len(h.skipUser)+len(h.skipChannel)+len(h.epoch)+len(h.notifyID)+len(h.revoke)+len(h.skipSession)+24)
	if h.offset > 0 {
		b = strconv.AppendInt(b, h.offset, 10)
	}
	b = append(b, ',')
	b = append(b, h.skipUser...)
	b = append(b, ',')
	b = append(b, h.skipChannel...)
	b = append(b, ',')
	if h.droppable {
		b = append(b, 'd')
	}
	if h.gather {
		b = append(b, 'g')
	}
	more := h.skipSession != ""
	if h.epoch != "" || h.notifyID != "" || h.revoke != "" || more {
		b = append(b, ',')
		b = append(b, h.epoch...)
	}
	if h.notifyID != "" || h.revoke != "" || more {
		b = append(b, ',')
		b = append(b, h.notifyID...)
	}
	if h.revoke != "" || more {
		b = append(b, ',')
		b = append(b, h.revoke...)
	}
	if more {
		b = append(b, ',')
		b = append(b, h.skipSession...)
	}
	b = append(b, '\n')
	return append(b, frame...)
}

// createdAt returns the CreatedAt of the message a channelMessage frame
// carries, in Unix nanoseconds, 0 when it has none.
func createdAt(frame []byte) int64 {
	const key = `"CreatedAt":"`
	i := bytes.Index(frame, []byte(key))
	if i < 0 {
		return 0
	}
	rest := frame[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return 0
	}
	t, err := time.Parse(time.RFC3339Nano, string(rest[:j]))
	if err != nil {
		return 0
	}
	return t.UnixNano()
}

// messageFrame is the channelMessage push of a stored message's JSON, built
// the same way as the send script builds it, so that a copy read back from
// the store and the copy published are the same bytes.
func messageFrame(msg []byte) []byte {
	const head = `{"type":"channelMessage","channelMessage":`
	b := make([]byte, 0, len(head)+len(msg)+1)
	b = append(b, head...)
	b = append(b, msg...)
	return append(b, '}')
}

// notifyFrame is the notify push of a private message's JSON to its
// recipient; sender names the channel from the recipient's side.
func notifyFrame(sender string, msg []byte) []byte {
	b := make([]byte, 0, len(msg)+len(sender)+64)
	b = append(b, `{"type":"notify","notify":{"recipientUUID":"`...)
	b = append(b, sender...)
	b = append(b, `","message":`...)
	b = append(b, msg...)
	return append(b, "}}"...)
}

// ErrorFrame returns the protocol's error frame. request is the type of the
// request that failed, when known.
func ErrorFrame(code int, text, request string) []byte {
	return errorFrame(code, text, request, "", 0)
}

// ErrorFrameRetry is ErrorFrame with retryAfter, the whole seconds after
// which a refused request may be retried (left out when 0).
func ErrorFrameRetry(code int, text, request string, retryAfter int) []byte {
	return errorFrame(code, text, request, "", retryAfter)
}

// ErrorFrameFor returns the error frame answering the request frame req:
// it names the request's type and, when the request carried one, its
// clientID, so that a client can tell which of its messages failed.
func ErrorFrameFor(code int, text string, req []byte) []byte {
	return ErrorFrameForRetry(code, text, req, 0)
}

// ErrorFrameForRetry is ErrorFrameFor with retryAfter (ErrorFrameRetry).
func ErrorFrameForRetry(code int, text string, req []byte, retryAfter int) []byte {
	var env map[string]json.RawMessage
	_ = json.Unmarshal(req, &env) // a malformed request names nothing
	var typ string
	_ = json.Unmarshal(env["type"], &typ)
	var p struct {
		ClientID string `json:"clientID"`
	}
	_ = json.Unmarshal(env[typ], &p)
	return errorFrame(code, text, cut(typ, 64), cut(p.ClientID, MaxClientIDLength), retryAfter)
}

func errorFrame(code int, text, request, clientID string, retryAfter int) []byte {
	e := struct {
		Code       int    `json:"code"`
		Error      string `json:"error"`
		Message    string `json:"message"`
		Request    string `json:"request"`
		ClientID   string `json:"clientID,omitempty"`
		RetryAfter int    `json:"retryAfter,omitempty"`
	}{code, text, text, request, clientID, retryAfter}
	b, _ := Frame("error", e)
	return b
}

// cut shortens s to at most n bytes, so that a hostile client cannot make
// the server echo a long string.
func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
