package functions

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/redischat/chat/chatcore"
)

func deliveryHistogram() prometheus.Histogram {
	return prometheus.NewHistogram(prometheus.HistogramOpts{Name: "d", Help: "d", Buckets: deliveryBuckets})
}

func countAndSum(t testing.TB, h prometheus.Histogram) (uint64, float64) {
	t.Helper()
	var m dto.Metric
	if err := h.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
}

// The delivery hook keeps a hook set before it, and counts a latency
// below zero (the sender's clock ahead of ours) as zero.
func TestObserveDelivery(t *testing.T) {
	var m chatcore.Metrics
	var before []time.Duration
	m.Delivery = func(d time.Duration) { before = append(before, d) }
	h := deliveryHistogram()
	observeDelivery(&m, h)
	m.Delivery(-time.Second)
	m.Delivery(3 * time.Millisecond)
	if n, sum := countAndSum(t, h); n != 2 || sum != 0.003 {
		t.Errorf("count %d sum %v, want 2 and 0.003", n, sum)
	}
	if len(before) != 2 || before[0] != -time.Second {
		t.Errorf("the earlier hook got %v, want both latencies as given", before)
	}
}

// BenchmarkDeliveryHook measures what the delivery histogram adds to each
// write of a stored message to a socket: the hook's call (an observation
// into the histogram) and, with "now", the clock read chatcore makes for
// it. "parallel" observes from every core into the one histogram, as the
// connections' writers do. (chatcore also reads a message's CreatedAt
// once per message and instance when the hook is set, not per socket.)
func BenchmarkDeliveryHook(b *testing.B) {
	setup := func() *chatcore.Metrics {
		var m chatcore.Metrics
		observeDelivery(&m, deliveryHistogram())
		return &m
	}
	b.Run("observe", func(b *testing.B) {
		m := setup()
		for i := range b.N {
			m.Delivery(time.Duration(i%5000) * time.Microsecond)
		}
	})
	b.Run("now+observe", func(b *testing.B) {
		m := setup()
		created := time.Now().UnixNano()
		for range b.N {
			m.Delivery(time.Duration(time.Now().UnixNano() - created))
		}
	})
	b.Run("parallel", func(b *testing.B) {
		m := setup()
		b.RunParallel(func(pb *testing.PB) {
			d := time.Duration(0)
			for pb.Next() {
				d = (d + 7*time.Microsecond) % (5 * time.Millisecond)
				m.Delivery(d)
			}
		})
	})
}
