package faulttest

import (
	"errors"
	"fmt"
	"time"
)

// pollEvery is how often Poll asks again.
const pollEvery = 10 * time.Millisecond

// Poll calls check until it returns nil, and returns nil; or until d has
// passed, and returns check's last error. A check that returns an errStop
// ends the polling at once with its error. It is for state that nothing
// announces (a process answering, a replica's link, Redis's subscriber
// counts); events the harness sees are awaited on channels instead.
func Poll(d time.Duration, check func() error) error {
	deadline := time.Now().Add(d)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		err := check()
		if err == nil {
			return nil
		}
		var stop errStop
		if errors.As(err, &stop) {
			return stop.err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not within %s: %w", d, err)
		}
		<-tick.C
	}
}

// errStop makes Poll give up at once.
type errStop struct{ err error }

func (e errStop) Error() string { return e.err.Error() }
