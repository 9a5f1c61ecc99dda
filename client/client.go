// Package client holds the browser client, embedded into the server binaries.
//
// It is plain HTML, CSS and JavaScript modules with no build step: what is in
// this folder is what the browser gets. index.html loads js/main.js, which
// wires the socket (js/socket.js), the protocol (js/protocol.js), the state
// (js/state.js) and the views (js/views/). The tests of its pure logic (test/)
// run under Node from node_test.go; the browser tests are e2e*_test.go.
package client

import (
	"embed"
	"io/fs"
)

//go:embed index.html style.css favicon.svg js
var files embed.FS

// FS is the client's files, index.html at the root.
var FS fs.FS = files
