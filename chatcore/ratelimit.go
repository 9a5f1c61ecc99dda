package chatcore

import "time"

// bucket is a token bucket: rate tokens a second, at most burst. It belongs
// to one goroutine (a connection's reader) and has no lock.
type bucket struct {
	rate   float64
	burst  float64
	tokens float64
	last   time.Time

	refused      int       // refusals since refusedSince
	refusedSince time.Time // the start of the minute they are counted in
}

// refusalsToClose is how many refusals within a minute end a connection
// that keeps going after 429 (closed with 1008); one that waits for its
// tokens never gets there.
const refusalsToClose = 10

func newBucket(rate float64, burst int) bucket {
	return bucket{rate: rate, burst: float64(burst), tokens: float64(burst)}
}

// take takes a token at now, reporting false when there is none.
func (b *bucket) take(now time.Time) bool {
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// refuse counts a refusal at now and reports whether it is the
// refusalsToClose-th within a minute.
func (b *bucket) refuse(now time.Time) bool {
	if now.Sub(b.refusedSince) >= time.Minute {
		b.refused, b.refusedSince = 0, now
	}
	b.refused++
	return b.refused >= refusalsToClose
}
