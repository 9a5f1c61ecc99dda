package chatcore

import "github.com/gorilla/websocket"

// Hooks of the frame benchmarks (frames_bench_test.go) into the encoding
// of delivered messages.

// PublishPayload is what the bridge carries for a stored message: its
// header and channelMessage frame, as publishStored (and, in Lua, the send
// script) builds it.
func PublishPayload(offset int64, epoch string, msg []byte) []byte {
	return header{offset: offset, epoch: epoch}.encode(messageFrame(msg))
}

// ParsePayload is the bridge's parse of a payload: the offset of its
// header and the frame.
func ParsePayload(p []byte) (offset int64, frame []byte, ok bool) {
	h, frame, ok := parsePayload(p)
	return h.offset, frame, ok
}

// FrameSum is what a channel remembers of each message it delivers.
func FrameSum(frame []byte) uint64 { return frameSum(frame) }

// Prepare is the hub's encoding of a frame, once for every receiver.
func Prepare(frame []byte) *websocket.PreparedMessage { return prepare(frame) }
