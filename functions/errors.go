package functions

import (
	"log/slog"

	"github.com/redischat/chat/chatcore"
)

// errorReply turns err into the protocol's code and text, logging internal
// errors with their context: clients only ever see "internal error".
func errorReply(log *slog.Logger, typ string, err error) (int, string) {
	code, text := chatcore.ErrorCode(err)
	if code == chatcore.CodeInternal {
		log.Error("request failed", "type", typ, "err", err)
	}
	return code, text
}

// requestName is the request type echoed in an error frame, cut short so a
// hostile client cannot make the server echo a long string.
func requestName(typ string) string {
	if len(typ) > 64 {
		return typ[:64]
	}
	return typ
}
