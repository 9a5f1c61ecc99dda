package deploytest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// Instruction is one Dockerfile instruction, its continuation lines joined.
type Instruction struct {
	Cmd   string // upper case: FROM, RUN, COPY...
	Args  string
	Stage int // index of the FROM it belongs to, from 0
}

// ParseDockerfile splits a Dockerfile into instructions. Comments and
// blank lines are dropped; a line ending in a backslash continues.
func ParseDockerfile(text string) ([]Instruction, error) {
	var out []Instruction
	stage := -1
	var cur strings.Builder
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		full := cur.String()
		cur.Reset()
		cmd, args, _ := strings.Cut(full, " ")
		cmd = strings.ToUpper(cmd)
		if cmd == "FROM" {
			stage++
		}
		if stage < 0 {
			if cmd == "ARG" {
				continue
			}
			return nil, fmt.Errorf("%s before the first FROM", cmd)
		}
		out = append(out, Instruction{Cmd: cmd, Args: strings.TrimSpace(args), Stage: stage})
	}
	if cur.Len() > 0 {
		return nil, fmt.Errorf("the last instruction ends with a backslash")
	}
	return out, sc.Err()
}

// DockerIgnore is the pattern list of a .dockerignore file.
type DockerIgnore []string

// ParseDockerIgnore reads a .dockerignore file. It supports what this
// repository uses: paths relative to the context root with * and ? in a
// segment, and a leading **/ for any depth. Exceptions (!) and other uses of
// ** are refused rather than matched differently from Docker.
func ParseDockerIgnore(text string) (DockerIgnore, error) {
	var out DockerIgnore
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "!") {
			return nil, fmt.Errorf(".dockerignore: exception %q is not supported by this check", line)
		}
		p := path.Clean(strings.TrimPrefix(line, "/"))
		if strings.Contains(strings.TrimPrefix(p, "**/"), "**") {
			return nil, fmt.Errorf(".dockerignore: %q: ** is only supported as a leading **/", line)
		}
		if _, err := path.Match(strings.TrimPrefix(p, "**/"), ""); err != nil {
			return nil, fmt.Errorf(".dockerignore: %q: %v", line, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// Excluded reports whether the slash-separated path rel, relative to the
// context root, is left out of the context: Docker leaves out a path that a
// pattern matches, and everything under it.
func (d DockerIgnore) Excluded(rel string) bool {
	for _, p := range d {
		for sub := rel; ; {
			if matchIgnore(p, sub) {
				return true
			}
			i := strings.LastIndex(sub, "/")
			if i < 0 {
				break
			}
			sub = sub[:i]
		}
	}
	return false
}

func matchIgnore(pattern, rel string) bool {
	rest, anyDepth := strings.CutPrefix(pattern, "**/")
	if !anyDepth {
		ok, _ := path.Match(pattern, rel)
		return ok
	}
	for {
		if ok, _ := path.Match(rest, rel); ok {
			return true
		}
		i := strings.Index(rel, "/")
		if i < 0 {
			return false
		}
		rel = rel[i+1:]
	}
}

// CopyContext copies the repository's files that .dockerignore lets into
// the docker build context to a new temporary folder, and returns it.
func CopyContext(t testing.TB) string {
	t.Helper()
	root := Root(t)
	ignore, err := ParseDockerIgnore(string(ReadFile(t, ".dockerignore")))
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if ignore.Excluded(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, filepath.FromSlash(rel))
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			return copyFile(p, target)
		}
		return nil // symlinks and devices: none in this repository
	})
	if err != nil {
		t.Fatalf("copy the build context: %v", err)
	}
	return dst
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// BuildServer builds the server the way the Dockerfile does, from a copy of
// the build context (CopyContext), and returns the binary's path.
func BuildServer(t testing.TB) string {
	t.Helper()
	return BuildFromContext(t, CopyContext(t))
}

// BuildFromContext runs the Dockerfile's build stage's `go build` RUN line
// with sh in the build context ctxDir, with the output folder /out/ moved to
// a temporary folder, and returns the binary's path.
func BuildFromContext(t testing.TB, ctxDir string) string {
	t.Helper()
	ins, err := ParseDockerfile(string(ReadFile(t, "Dockerfile")))
	if err != nil {
		t.Fatal(err)
	}
	var run string
	for _, in := range ins {
		if in.Stage == 0 && in.Cmd == "RUN" && strings.Contains(in.Args, "go build") {
			run = in.Args
		}
	}
	if !strings.Contains(run, "-o /out/server") {
		t.Fatalf("the Dockerfile's build stage has no RUN go build ... -o /out/server (found %q)", run)
	}
	outDir := t.TempDir()
	cmd := exec.Command("sh", "-c", strings.ReplaceAll(run, "/out/", outDir+"/"))
	cmd.Dir = ctxDir
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(GoTool(t))+string(os.PathListSeparator)+os.Getenv("PATH"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("the Dockerfile's build, in its build context: %s: %v\n%s", run, err, out.Bytes())
	}
	return filepath.Join(outDir, "server")
}
