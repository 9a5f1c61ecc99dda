package main

import (
	"testing"
	"time"
)

func TestBucketsCoverEveryValue(t *testing.T) {
	prevLow := uint64(0)
	for i := 1; i < numBuckets; i++ {
		low, width := bucketRange(i)
		pl, pw := bucketRange(i - 1)
		if low != pl+pw || low <= prevLow {
			t.Fatalf("bucket %d starts at %d, want %d (the end of bucket %d)", i, low, pl+pw, i-1)
		}
		prevLow = low
		for _, v := range []uint64{low, low + width - 1} {
			if b := bucketOf(v); b != i {
				t.Fatalf("bucketOf(%d) = %d, want %d", v, b, i)
			}
		}
		if low >= exactRange && float64(width)/float64(low) > 1.0/subBuckets {
			t.Fatalf("bucket %d is %d wide at %d: more than 1/%d", i, width, low, subBuckets)
		}
	}
	if b := bucketOf(maxValue + 12345); b != numBuckets-1 {
		t.Fatalf("a value beyond the range goes to bucket %d, want the last (%d)", b, numBuckets-1)
	}
}

func TestQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ { // 1 ms .. 1000 ms
		h.record(time.Duration(i) * time.Millisecond)
	}
	s := snapshotOf(&h)
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.99, 990 * time.Millisecond}, {1, 1000 * time.Millisecond}} {
		got := s.quantile(c.q)
		if got < c.want || float64(got-c.want) > float64(c.want)/subBuckets {
			t.Errorf("quantile(%g) = %v, want %v within 1/%d above", c.q, got, c.want, subBuckets)
		}
	}
	sum := s.summary()
	if sum.Count != 1000 || sum.Max != 1000 || sum.Mean != 500.5 {
		t.Errorf("summary %+v, want count 1000, max 1000 ms, mean 500.5 ms", sum)
	}
	// since: what came after a snapshot.
	h.record(5 * time.Second)
	d := snapshotOf(&h).since(s)
	if d.total != 1 || d.quantile(0.5) < 5*time.Second || d.quantile(0.5) > 5100*time.Millisecond {
		t.Errorf("since: %d values, median %v, want 1 value of 5 s", d.total, d.quantile(0.5))
	}
	if e := (&histSnapshot{}).summary(); e != (latencySummary{}) {
		t.Errorf("empty summary %+v", e)
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	var h histogram
	for i := range b.N {
		h.record(time.Duration(i%100000) * time.Microsecond)
	}
}
