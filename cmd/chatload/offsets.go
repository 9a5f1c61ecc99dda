package main

// maxGaps bounds the gaps a receiver remembers to recognise a late (out of
// order) message; older gaps stay counted as lost.
const maxGaps = 1000

// offsets checks one receiver's messages of its channel: every offset after
// the one it joined at must arrive once. It is owned by the receiver's
// reader goroutine.
type offsets struct {
	last      int64 // highest offset seen (the join offset at first)
	received  int64 // messages with an offset
	lost      int64 // offsets skipped and not (yet) seen
	dups      int64 // offsets seen before, or at or before the join
	reordered int64 // offsets that arrived after a higher one
	gaps      []gap // skipped offsets, oldest first
}

// gap is the missing offsets from..to.
type gap struct{ from, to int64 }

func (o *offsets) see(off int64) {
	o.received++
	switch {
	case off == o.last+1:
		o.last = off
	case off > o.last+1:
		if len(o.gaps) == maxGaps {
			o.gaps = o.gaps[1:]
		}
		o.gaps = append(o.gaps, gap{o.last + 1, off - 1})
		o.lost += off - o.last - 1
		o.last = off
	case o.fill(off):
		o.lost--
		o.reordered++
	default:
		o.dups++
	}
}

// fill removes off from the gaps, reporting whether it was missing.
func (o *offsets) fill(off int64) bool {
	for i := len(o.gaps) - 1; i >= 0; i-- {
		g := o.gaps[i]
		if off < g.from || off > g.to {
			continue
		}
		switch {
		case g.from == g.to:
			o.gaps = append(o.gaps[:i], o.gaps[i+1:]...)
		case off == g.from:
			o.gaps[i].from++
		case off == g.to:
			o.gaps[i].to--
		default:
			o.gaps[i].to = off - 1
			o.gaps = append(o.gaps[:i+1], append([]gap{{off + 1, g.to}}, o.gaps[i+1:]...)...)
		}
		return true
	}
	return false
}
