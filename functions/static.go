package functions

import (
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/redischat/chat/chatcore"
)

// static serves the browser client's files and answers every path that is
// neither a file of it nor one of the server's own with the protocol's
// error envelope: 404 for a path that names nothing (GET /nosuch, POST
// /nosuch), 405 for a method other than GET or HEAD on a file. Folders are
// served only through their index.html: no listings.
type static struct {
	fsys  fs.FS // nil: no client, every path is unknown
	files http.Handler
}

func newStatic(fsys fs.FS) *static {
	s := &static{fsys: fsys}
	if fsys != nil {
		s.files = http.FileServerFS(fsys)
	}
	return s
}

func (s *static) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.has(r.URL.Path) {
		notFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeFrame(w, http.StatusMethodNotAllowed, chatcore.ErrorFrame(http.StatusMethodNotAllowed, "use GET", ""))
		return
	}
	s.files.ServeHTTP(w, r)
}

// has reports whether urlPath names a file of the client, or a folder of it
// with an index.html.
func (s *static) has(urlPath string) bool {
	if s.fsys == nil {
		return false
	}
	name := strings.TrimPrefix(path.Clean("/"+urlPath), "/")
	if name == "" {
		name = "."
	}
	info, err := fs.Stat(s.fsys, name)
	if err != nil {
		return false
	}
	if info.IsDir() {
		_, err = fs.Stat(s.fsys, path.Join(name, "index.html"))
	}
	return err == nil
}

// notFound answers a path the server does not serve with the error
// envelope, naming the path's first segment as the request, as a POST to
// a function would be named.
func notFound(w http.ResponseWriter, r *http.Request) {
	name, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	writeFrame(w, http.StatusNotFound, chatcore.ErrorFrame(http.StatusNotFound, "no such function or file", requestName(name)))
}
