package main

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// historyResult is what -history posted; the result's "history".
type historyResult struct {
	Messages int     `json:"messages"` // asked for
	Posted   int     `json:"posted"`
	Seconds  float64 `json:"seconds"`
	Error    string  `json:"error,omitempty"` // the first failure
}

// postHistory signs a user up over HTTP (<name>-<run>-history) and posts
// -history messages of -size bytes to the general channel with POST
// /channelMessage, one after the other, before any client joins: joins then
// read that history, and no receiver counts these messages.
func (l *load) postHistory(ctx context.Context) *historyResult {
	r := &historyResult{Messages: l.opts.history}
	start := time.Now()
	defer func() { r.Seconds = round3(time.Since(start).Seconds()) }()
	h := newHTTPFunctions(l.opts.urls[:1], 1, l.opts.timeout)
	defer h.close()
	key, err := h.signUp(ctx, 0, fmt.Sprintf("%s-%s-history", l.opts.name, l.runID[:6]))
	if err != nil {
		r.Error = "signUp: " + err.Error()
		return r
	}
	text := strings.Repeat("h", l.opts.size)
	for range r.Messages {
		payload := map[string]string{"recipientUUID": "", "message": text}
		if _, err := h.call(ctx, 0, "channelMessage", key.AccessKey, payload); err != nil {
			r.Error = "channelMessage: " + err.Error()
			return r
		}
		r.Posted++
	}
	return r
}
