package chatcore

// Close sends what is queued for the client, then a close frame with code
// and reason (at most 123 bytes), then ends the connection: for the edge
// to end a client that breaks a rule (1008: it kept going after 429).
func (c *Conn) Close(code int, reason string) { c.closeWith(code, cut(reason, 123)) }
