//go:build !race

package lifecycletest

// raceEnabled reports whether the tests run with the race detector: the
// server binary is then built with it too.
const raceEnabled = false
