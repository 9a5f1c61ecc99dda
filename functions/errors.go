package functions

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redischat/chat/chatcore"
)

// errorReply turns err into the protocol's code and text, logging internal
// errors with their context: clients only ever see "internal error". A 503
// (Redis unreachable, stalled or failing over) is logged as a warning at
// most every unavailableLogEvery, since an outage answers every request so.
func errorReply(log *slog.Logger, typ string, err error) (int, string) {
	code, text := chatcore.ErrorCode(err)
	switch code {
	case chatcore.CodeInternal:
		log.Error("request failed", "type", typ, "err", err)
	case chatcore.CodeUnavailable:
		now, last := time.Now().UnixNano(), unavailableLogged.Load()
		if now-last >= int64(unavailableLogEvery) && unavailableLogged.CompareAndSwap(last, now) {
			log.Warn("request answered 503 (logged at most every 10 s)", "type", typ, "err", err)
		}
	}
	return code, text
}

// unavailableLogged is when a 503 was last logged (Unix ns), for every
// server of the process.
var unavailableLogged atomic.Int64

const unavailableLogEvery = 10 * time.Second

// requestName is the request type echoed in an error frame, cut short so a
// hostile client cannot make the server echo a long string.
func requestName(typ string) string {
	if len(typ) > 64 {
		return typ[:64]
	}
	return typ
}
