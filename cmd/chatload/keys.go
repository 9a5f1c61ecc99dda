package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// password is the password of every user the tool signs up: they are test
// users, resumed by access key.
const password = "chatload-password"

// savedKey is one user of a keys file.
type savedKey struct {
	UUID      string
	AccessKey string
	Username  string
}

const keysHeader = "# chatload access keys (secrets: keep this file private): userUUID accessKey username"

// loadKeys reads a file written by saveKeys.
func loadKeys(path string) ([]savedKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var keys []savedKey
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("%s:%d: want userUUID accessKey username", path, n)
		}
		keys = append(keys, savedKey{UUID: f[0], AccessKey: f[1], Username: f[2]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s holds no access keys", path)
	}
	return keys, nil
}

// saveKeys writes keys to path (mode 0600), replacing it at once.
func saveKeys(path string, keys []savedKey) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename: nothing left to remove
	w := bufio.NewWriter(tmp)
	fmt.Fprintln(w, keysHeader)
	for _, k := range keys {
		fmt.Fprintln(w, k.UUID, k.AccessKey, k.Username)
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
