package frames

import (
	"strconv"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan"
)

// approxMonth is the mean Gregorian month, used only to guess a bucket
// index before it is corrected against the calendar.
const approxMonth = int64(30.436875 * 24 * float64(time.Hour))

// grid is the bucket grid that $__timeGroup(c, interval, fill) produces, so
// that filled buckets land exactly where the SQL puts real ones:
//   - fixed steps (sub-day, or whole days in UTC) are epoch-aligned in SQL;
//   - whole days and weeks in another time zone are local calendar days, 23
//     or 25 hours long across a DST change;
//   - months and years are calendar months in the time zone.
//
// The grid is anchored at the first row's time (a bucket start, since the
// rows come from the same $__timeGroup); with no rows it falls back to the
// epoch (fixed), local midnight (days) or the month start (months).
type grid struct {
	step   int64 // fixed step in ns; 0 for calendar steps
	days   int   // calendar days per bucket in loc
	months int   // calendar months per bucket in loc
	loc    *time.Location
	anchor int64 // a bucket start, ns
}

// newGrid describes the fill grid for a step (ns) or a whole number of
// months in loc (nil means UTC). ok is false when there is no step.
func newGrid(step time.Duration, months int, loc *time.Location) (grid, bool) {
	if loc == nil {
		loc = time.UTC
	}
	g := grid{loc: loc}
	day := 24 * time.Hour
	switch {
	case months > 0:
		g.months = months
	case step <= 0:
		return g, false
	case step%day == 0 && loc != time.UTC && loc.String() != "UTC":
		g.days = int(step / day)
	default:
		g.step = step.Nanoseconds()
	}
	return g, true
}

// approxStep is the step in ns, exact for fixed steps.
func (g grid) approxStep() int64 {
	switch {
	case g.months > 0:
		return int64(g.months) * approxMonth
	case g.days > 0:
		return int64(g.days) * int64(24*time.Hour)
	}
	return g.step
}

// at is the start of bucket k, counted from the anchor.
func (g grid) at(k int64) int64 {
	if g.step > 0 {
		return g.anchor + k*g.step
	}
	t := time.Unix(0, g.anchor).In(g.loc)
	if g.months > 0 {
		return t.AddDate(0, int(k)*g.months, 0).UnixNano()
	}
	return t.AddDate(0, 0, int(k)*g.days).UnixNano()
}

// index is the bucket holding v: at(k) <= v < at(k+1). ok is false when v
// is too far from the anchor to count buckets in int64 nanoseconds.
func (g grid) index(v int64) (int64, bool) {
	d := v - g.anchor
	if (v >= 0) != (g.anchor >= 0) && (d >= 0) != (v >= 0) {
		return 0, false // v - anchor overflowed
	}
	s := g.approxStep()
	k := d / s
	if d%s != 0 && d < 0 {
		k--
	}
	if g.step > 0 {
		return k, true
	}
	// The guess is off by at most a bucket or two (month lengths, DST).
	for range 4 {
		switch {
		case g.at(k) > v:
			k--
		case g.at(k+1) <= v:
			k++
		default:
			return k, true
		}
	}
	return 0, false
}

// fallbackAnchor anchors a grid that has no rows to align with.
func (g *grid) fallbackAnchor(v int64) {
	if g.step > 0 {
		g.anchor = 0
		return
	}
	t := time.Unix(0, v).In(g.loc)
	if g.months > 0 {
		g.anchor = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, g.loc).UnixNano()
		return
	}
	g.anchor = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, g.loc).UnixNano()
}

// resampleAxis builds the fill grid over the time range, widened to hold
// every row, and records each row's bucket in slot. When several rows of a
// series fall in one bucket, the last one wins. ok is false when the grid
// would have maxBuckets or more buckets.
func resampleAxis(tr sqlplan.TimeRange, g grid, order []int32, times []int64, slot []int32, maxBuckets int) ([]int64, bool) {
	var lo, hi int64
	has := false
	if !tr.From.IsZero() && !tr.To.IsZero() && tr.To.After(tr.From) {
		lo, hi, has = tr.From.UnixNano(), tr.To.UnixNano(), true
	}
	if len(order) > 0 {
		first, last := times[order[0]], times[order[len(order)-1]]
		g.anchor = first
		if !has || first < lo {
			lo = first
		}
		if !has || last > hi {
			hi = last
		}
		has = true
	} else if has {
		g.fallbackAnchor(lo)
	}
	if !has {
		return nil, true
	}
	kLo, okLo := g.index(lo)
	kHi, okHi := g.index(hi)
	// Unsigned: kHi-kLo can exceed the int64 range for far-apart times.
	if !okLo || !okHi || kHi < kLo || uint64(kHi)-uint64(kLo) >= uint64(maxBuckets) {
		return nil, false
	}
	axis := make([]int64, 0, kHi-kLo+1)
	for k := kLo; k <= kHi; k++ {
		axis = append(axis, g.at(k))
	}
	// Rows are sorted by time, so one forward walk places them all.
	b := 0
	for _, r := range order {
		v := times[r]
		for b+1 < len(axis) && axis[b+1] <= v {
			b++
		}
		slot[r] = int32(b)
	}
	return axis, true
}

// fillIntervalText names a fill interval for notices: "1h0m0s", "3 months".
func fillIntervalText(step time.Duration, months int) string {
	switch {
	case months == 1:
		return "1 month"
	case months > 1:
		return strconv.Itoa(months) + " months"
	}
	return step.String()
}
