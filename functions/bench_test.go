package functions_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/redischat/chat/internal/app"
	"github.com/redischat/chat/internal/chattest"
)

// BenchmarkCrossInstance measures a message from a client on instance 1 to
// a client on instance 2, through Redis: one op is one message sent and
// received (the next is sent after). It reports the p50 and p99 latency.
func BenchmarkCrossInstance(b *testing.B) {
	one, two := twoInstances(b)
	alice := inGeneral(b, one.URL(), "alice")
	bob := inGeneral(b, two.URL(), "bob")
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		alice.Send("channelMessage", map[string]any{"recipientUUID": "", "message": fmt.Sprint(i)})
		bob.Expect("channelMessage", noise...)
		lat = append(lat, time.Since(start))
		alice.Expect("channelMessage", noise...)
	}
	b.StopTimer()
	reportLatency(b, lat)
}

// BenchmarkFanout measures one sender's messages reaching 100 receivers on
// another instance: deliveries per second and the p99 latency of a
// delivery. The receivers are this process's test clients, so the figure
// includes their JSON decoding on the same 2 cores.
func BenchmarkFanout(b *testing.B) {
	const receivers = 100
	one, two := twoInstances(b)
	sender := inGeneral(b, one.URL(), "sender")
	rs := make([]*chattest.WS, receivers)
	for i := range rs {
		rs[i] = inGeneral(b, two.URL(), fmt.Sprintf("r%03d", i))
	}
	lat := make([]time.Duration, 0, b.N*receivers)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		sent := time.Now()
		sender.Send("channelMessage", map[string]any{"recipientUUID": "", "message": fmt.Sprint(i)})
		for _, r := range rs {
			r.Expect("channelMessage", noise...)
			lat = append(lat, time.Since(sent))
		}
		sender.Expect("channelMessage", noise...)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "deliveries/s")
	reportLatency(b, lat)
}

// twoInstances starts two servers on one Redis, without rate limits or
// info logs.
func twoInstances(b *testing.B) (one, two *app.App) {
	cfg := chattest.Config(b)
	unlimited(&cfg)
	cfg.LogLevel = "warn"
	return chattest.Start(b, cfg), chattest.Start(b, cfg)
}

// inGeneral connects a new user to url and joins the general channel.
func inGeneral(b *testing.B, url, name string) *chattest.WS {
	c := chattest.Dial(b, url)
	c.SignUp(name)
	join(b, c, "")
	return c
}

func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(q(0.50), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
}
