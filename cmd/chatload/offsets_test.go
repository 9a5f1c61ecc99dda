package main

import "testing"

func TestOffsets(t *testing.T) {
	for _, c := range []struct {
		name                        string
		joined                      int64
		seen                        []int64
		lost, dups, reordered, last int64
	}{
		{"in order", 10, []int64{11, 12, 13}, 0, 0, 0, 13},
		{"history again", 10, []int64{9, 10, 11}, 0, 2, 0, 11},
		{"gap", 0, []int64{1, 2, 5, 6}, 2, 0, 0, 6},
		{"repeat", 0, []int64{1, 2, 2, 3}, 0, 1, 0, 3},
		{"late", 0, []int64{1, 3, 2, 4}, 0, 0, 1, 4},
		{"late in a wide gap", 0, []int64{1, 6, 3, 3, 2, 4, 5}, 0, 1, 4, 6},
		{"two gaps, one filled", 0, []int64{1, 3, 5, 4}, 1, 0, 1, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := offsets{last: c.joined}
			for _, off := range c.seen {
				o.see(off)
			}
			if o.lost != c.lost || o.dups != c.dups || o.reordered != c.reordered || o.last != c.last {
				t.Errorf("lost %d, dups %d, reordered %d, last %d; want %d, %d, %d, %d",
					o.lost, o.dups, o.reordered, o.last, c.lost, c.dups, c.reordered, c.last)
			}
			if o.received != int64(len(c.seen)) {
				t.Errorf("received %d, want %d", o.received, len(c.seen))
			}
		})
	}
}
