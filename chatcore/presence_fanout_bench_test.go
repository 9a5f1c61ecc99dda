package chatcore

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/uuid"
)

// BenchmarkPresenceFanout measures what the shards spend on one batch of
// presence changes for 10,000 connections, sockets aside: sorting the
// batch, finding each connection's part of it from its view, and encoding
// each distinct part once. One op is one batch. The connections' views end
// at random users of 10,000 online, as after each read the first page of
// 100 while the others came online in random order.
func BenchmarkPresenceFanout(b *testing.B) {
	const online, conns = 10000, 10000
	names := make([]string, online)
	for i := range names {
		names[i] = sortMember(fmt.Sprintf("user-%05d", i), uuid.NewString())
	}
	slices.Sort(names)
	r := rand.New(rand.NewPCG(1, 2))
	views := make([]view, conns)
	for i := range views {
		// A view from the first page read when 100 + i users were online.
		views[i] = view{given: true, upTo: names[min(online-1, r.IntN(1+online*100/(100+i)))]}
	}
	for _, size := range []int{1, 50, 500} {
		b.Run(fmt.Sprintf("changes=%d", size), func(b *testing.B) {
			users := make([]User, size)
			for i := range users {
				users[i] = User{UUID: uuid.NewString(), Username: fmt.Sprintf("user-%05d", r.IntN(online)), OnLine: true}
			}
			b.ReportAllocs()
			b.ResetTimer()
			sent := 0
			for range b.N {
				p := newPresenceFanout(users)
				for i := range views {
					if n := views[i].shown(p.keys); n > 0 {
						_ = p.first(n)
						sent++
					}
				}
			}
			b.ReportMetric(float64(sent)/float64(b.N), "frames/op")
		})
	}
}
