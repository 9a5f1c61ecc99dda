// Package client holds the browser client, embedded into the server binaries.
package client

import (
	"embed"
	"io/fs"
)

//go:embed index.html
var files embed.FS

// FS is the client's files, index.html at the root.
var FS fs.FS = files
