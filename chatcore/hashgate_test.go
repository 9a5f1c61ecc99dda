package chatcore

import (
	"errors"
	"testing"
)

// TestHashGate: beyond its bound the gate refuses at once with ErrBusy
// (429, retry in a second) instead of waiting; a finished hash frees its
// place.
func TestHashGate(t *testing.T) {
	g := newHashGate(2)
	release, running := make(chan struct{}), make(chan struct{}, 2)
	done := make(chan error, 2)
	for range 2 {
		go func() {
			done <- g.run(func() error { running <- struct{}{}; <-release; return nil })
		}()
	}
	<-running
	<-running
	if err := g.run(func() error { t.Error("a third hash ran"); return nil }); !errors.Is(err, ErrBusy) {
		t.Fatalf("third hash: %v, want ErrBusy", err)
	}
	if code, _ := ErrorCode(ErrBusy); code != CodeRateLimited || RetryAfter(ErrBusy) != 1 {
		t.Fatalf("ErrBusy is %d, retry %d s; want 429, 1 s", code, RetryAfter(ErrBusy))
	}
	close(release)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	ran := false
	if err := g.run(func() error { ran = true; return nil }); err != nil || !ran {
		t.Fatalf("after the hashes ended: %v, ran %v", err, ran)
	}
	if n := cap(newHashGate(0)); n < 1 {
		t.Fatalf("the default gate holds %d", n)
	}
}
