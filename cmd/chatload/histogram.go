package main

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// The histogram counts durations in microseconds in log buckets, HDR-style:
// values below exactRange each have a bucket; above, every power of two is
// split into subBuckets buckets, so a bucket is at most 1/subBuckets (1.6 %)
// of its values wide. Durations beyond the last bucket count in it.
const (
	subBits    = 6
	subBuckets = 1 << subBits   // buckets per power of two
	exactRange = 2 * subBuckets // values below this are counted exactly
	maxPower   = 36             // 2^36 µs is 19 hours
	numBuckets = exactRange + (maxPower-subBits-1)*subBuckets
	maxValue   = uint64(1)<<maxPower - 1
)

// histogram is safe for concurrent use: recording is a few atomic adds.
type histogram struct {
	counts [numBuckets]atomic.Uint64
	sum    atomic.Uint64 // µs
	max    atomic.Uint64 // µs
}

func bucketOf(v uint64) int {
	if v < exactRange {
		return int(v)
	}
	v = min(v, maxValue)
	p := bits.Len64(v) - 1 // v is in [2^p, 2^(p+1)), p >= subBits+1
	shift := p - subBits
	return exactRange + (p-subBits-1)*subBuckets + int(v>>shift) - subBuckets
}

// bucketRange returns the lowest value of bucket i and its width.
func bucketRange(i int) (low, width uint64) {
	if i < exactRange {
		return uint64(i), 1
	}
	j := i - exactRange
	p := subBits + 1 + j/subBuckets
	shift := p - subBits
	return uint64(subBuckets+j%subBuckets) << shift, uint64(1) << shift
}

func (h *histogram) record(d time.Duration) {
	v := uint64(max(d, 0) / time.Microsecond)
	h.counts[bucketOf(v)].Add(1)
	h.sum.Add(v)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

// histSnapshot is a copy of one or more histograms, for reading.
type histSnapshot struct {
	counts [numBuckets]uint64
	total  uint64
	sum    uint64
	max    uint64
}

// add adds h's counts to s.
func (s *histSnapshot) add(h *histogram) {
	for i := range h.counts {
		n := h.counts[i].Load()
		s.counts[i] += n
		s.total += n
	}
	s.sum += h.sum.Load()
	s.max = max(s.max, h.max.Load())
}

// since returns what was counted after prev (an earlier snapshot of the
// same histograms). Its max is the highest bucket's upper value.
func (s *histSnapshot) since(prev *histSnapshot) *histSnapshot {
	d := &histSnapshot{sum: s.sum - prev.sum}
	for i := range s.counts {
		n := s.counts[i] - prev.counts[i]
		d.counts[i] = n
		d.total += n
		if n > 0 {
			low, width := bucketRange(i)
			d.max = min(low+width-1, s.max)
		}
	}
	return d
}

// quantile returns the value at q (0 < q <= 1): the highest value of the
// bucket holding that rank, never more than the maximum seen.
func (s *histSnapshot) quantile(q float64) time.Duration {
	if s.total == 0 {
		return 0
	}
	rank := uint64(q*float64(s.total) + 0.999999)
	rank = min(max(rank, 1), s.total)
	var seen uint64
	for i, n := range s.counts {
		seen += n
		if seen >= rank {
			low, width := bucketRange(i)
			return time.Duration(min(low+width-1, s.max)) * time.Microsecond
		}
	}
	return time.Duration(s.max) * time.Microsecond
}

// latencySummary is a histogram in a result, in milliseconds.
type latencySummary struct {
	Count uint64  `json:"count"`
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
	Mean  float64 `json:"mean"`
}

func (s *histSnapshot) summary() latencySummary {
	l := latencySummary{
		Count: s.total,
		P50:   ms(s.quantile(0.50)),
		P95:   ms(s.quantile(0.95)),
		P99:   ms(s.quantile(0.99)),
		Max:   ms(time.Duration(s.max) * time.Microsecond),
	}
	if s.total > 0 {
		l.Mean = round3(float64(s.sum) / float64(s.total) / 1000)
	}
	return l
}

// ms is d in milliseconds, rounded to the microsecond.
func ms(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }
