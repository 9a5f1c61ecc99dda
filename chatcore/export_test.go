package chatcore

import "time"

// SetBridgePing sets how long the bridge waits in silence before a PING.
func SetBridgePing(n *Node, d time.Duration) { n.bridge.pingEvery = d }
