// Package functions is the edge of the chat: one handler per message type
// of the protocol (one file each), one table from type name to handler, the
// websocket endpoint that dispatches frames through that table, and the
// same handlers as HTTP functions at POST /<type>, registered with the
// Functions Framework and mountable on any http.Server through Server.
//
// Handlers decode, call chatcore, and reply; they keep no state of their
// own. A handler runs on the reader goroutine of its connection, so the
// replies of one connection keep the order of its requests.
package functions
