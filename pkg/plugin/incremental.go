package plugin

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/incremental"
)

// incrementalStateTTL is how long the last answer of an incremental query
// is kept for the next refresh (bounded by cacheMaxBytes too).
const incrementalStateTTL = time.Hour

// incrState is the last answer of one incremental query: the table that
// answers exactly the range [from, to].
type incrState struct {
	mu       sync.Mutex
	from, to time.Time
	table    *frames.Table
}

// incrOutcome is what the incremental path did.
type incrOutcome struct {
	r    *result
	step string // the plan step's detail
}

// incrementalKey identifies the query apart from its time range: the cache
// key of the same request planned over a range of the same width at the
// epoch, with the bucket length. Different SQL, options, data sources
// (each has its own Service) or widths never share it.
func (s *Service) incrementalKey(ctx context.Context, plan *sqlplan.Plan, dec *incremental.Decision, o engine.QueryOptions, user string) (string, error) {
	req := plan.Request
	width := req.TimeRange.To.Sub(req.TimeRange.From)
	epoch := time.Unix(0, 0).UTC()
	req.TimeRange = sqlplan.TimeRange{From: epoch, To: epoch.Add(width)}
	canon, err := s.planner.Build(ctx, req)
	if err != nil {
		return "", err
	}
	return "incremental\x00" + string(dec.Shape) + "\x00" + dec.Bucket.String() + "\x00" + width.String() + "\x00" + cacheKey(canon, o) + user, nil
}

// runIncremental answers a query whose plan the planner proved safe from
// the previous answer and a query over the tail of the range (plus the
// first, partial bucket when the range does not start on a bucket). ok is
// false, with the reason as step, when it must run in full; the caller
// then runs it and calls keepIncremental.
func (s *Service) runIncremental(ctx context.Context, plan *sqlplan.Plan, key string, o engine.QueryOptions) (out incrOutcome, ok bool, err error) {
	dec := plan.Incremental
	st, found := s.incr.Get(key)
	if !found {
		return incrOutcome{step: "full query: no earlier answer of this query to reuse"}, false, nil
	}
	st.mu.Lock()
	prevFrom, prevTo, prev := st.from, st.to, st.table
	st.mu.Unlock()
	from, to := plan.Request.TimeRange.From, plan.Request.TimeRange.To
	switch {
	case to.Before(prevTo):
		return incrOutcome{step: "full query: the range ends before the previous one"}, false, nil
	case from.Before(prevFrom):
		return incrOutcome{step: "full query: the range starts before the previous one"}, false, nil
	case from.After(prevTo):
		return incrOutcome{step: "full query: the range does not overlap the previous one"}, false, nil
	}
	overlap := DefaultIncrementalOverlap
	if s.cfg.IncrementalOverlap != nil {
		overlap = time.Duration(*s.cfg.IncrementalOverlap)
	}
	cut := prevTo.Add(-overlap)
	if cut.Before(from) {
		cut = from
	}
	// The engine's filter granularity: ClickHouse compares whole seconds.
	gran := time.Millisecond
	if plan.Request.Dialect == sqlplan.ClickHouse {
		gran = time.Second
	}
	col := dec.Output
	var parts []frames.Part
	var queried []time.Time // from, to of each query run
	var scanned engine.QueryStats
	runRange := func(lo, hi time.Time) (*frames.Table, error) {
		req := plan.Request
		req.TimeRange = sqlplan.TimeRange{From: lo, To: hi}
		p, err := s.planner.Build(ctx, req)
		if err != nil {
			return nil, err
		}
		r, _, err := s.execute(ctx, p, o)
		if err != nil {
			return nil, err
		}
		queried = append(queried, lo, hi)
		scanned.Rows += r.stats.Rows
		scanned.BytesProcessed += r.stats.BytesProcessed
		scanned.BytesBilled += r.stats.BytesBilled
		scanned.USD += r.stats.USD
		scanned.Duration += r.stats.Duration
		if r.table.Truncated() || r.table.ByteCapped() {
			return nil, errCapped
		}
		return r.table, nil
	}
	switch dec.Shape {
	case incremental.Buckets:
		step := dec.Bucket
		cut = alignDown(cut, step)
		head := alignDown(from, step)
		mid := head
		if head.Before(from) {
			mid = head.Add(step)
		}
		if !mid.Before(cut) {
			return incrOutcome{step: "full query: the range is within the overlap, nothing to reuse"}, false, nil
		}
		if mid.After(from) {
			t, err := runRange(from, mid)
			if err == errCapped {
				return incrOutcome{step: "full query: the row cap cut a partial query"}, false, nil
			} else if err != nil {
				return incrOutcome{}, false, err
			}
			parts = append(parts, frames.Part{Table: t, Time: col, From: head.UnixNano(), To: mid.UnixNano()})
		}
		parts = append(parts, frames.Part{Table: prev, Time: col, From: mid.UnixNano(), To: cut.UnixNano()})
	case incremental.Rows:
		cut = cut.Truncate(gran)
		if !cut.After(from) {
			return incrOutcome{step: "full query: the range is within the overlap, nothing to reuse"}, false, nil
		}
		parts = append(parts, frames.Part{Table: prev, Time: col, From: from.Truncate(gran).UnixNano(), To: cut.UnixNano()})
	default:
		return incrOutcome{step: "full query: unknown shape"}, false, nil
	}
	tail, err := runRange(cut, to)
	if err == errCapped {
		return incrOutcome{step: "full query: the row cap cut a partial query"}, false, nil
	} else if err != nil {
		return incrOutcome{}, false, err
	}
	parts = append(parts, frames.Part{Table: tail, Time: col, From: cut.UnixNano()})
	merged, err := frames.Splice(parts, frames.TableOptions{MaxRows: plan.RowCap, MaxBytes: o.MaxBytes})
	if err != nil {
		return incrOutcome{step: "full query: " + err.Error()}, false, nil
	}
	if plan.RowCap > 0 && int64(merged.Len()) > plan.RowCap || o.MaxBytes > 0 && merged.ValueBytes() > o.MaxBytes {
		return incrOutcome{step: "full query: the merged answer exceeds the row or byte cap"}, false, nil
	}
	reused := countReused(prev, col, parts[len(parts)-2])
	unit := "buckets"
	if dec.Shape == incremental.Rows {
		unit = "rows"
	}
	step := fmt.Sprintf("incremental: queried %s, reused %s %s", spans(queried), thousands(reused), unit)
	scanned.Rows = int64(merged.Len())
	return incrOutcome{r: &result{table: merged, stats: scanned}, step: step}, true, nil
}

// keepIncremental remembers t as the answer over [from, to] for the next
// refresh of the query under key.
func (s *Service) keepIncremental(key string, from, to time.Time, t *frames.Table) {
	if t == nil || t.Truncated() || t.ByteCapped() {
		return
	}
	s.incr.Set(key, &incrState{from: from, to: to, table: t}, t.SizeBytes())
}

type cappedError struct{}

func (cappedError) Error() string { return "capped" }

var errCapped error = cappedError{}

// countReused is the number of rows of the cached table within part p.
func countReused(t *frames.Table, col int, p frames.Part) int {
	n := 0
	for r := 0; r < t.Len(); r++ {
		if v, ok := t.TimeNanos(col, r); ok && v >= p.From && (p.To == 0 || v < p.To) {
			n++
		}
	}
	return n
}

// alignDown is t rounded down to a multiple of step since the epoch.
func alignDown(t time.Time, step time.Duration) time.Time {
	ns := t.UnixNano()
	s := int64(step)
	r := ns % s
	if r < 0 {
		r += s
	}
	return time.Unix(0, ns-r).UTC()
}

// spans renders the ranges queried, e.g. "12:59–13:00".
func spans(ts []time.Time) string {
	out := ""
	for i := 0; i+1 < len(ts); i += 2 {
		if out != "" {
			out += " and "
		}
		out += clock(ts[i]) + "–" + clock(ts[i+1])
	}
	return out
}

func clock(t time.Time) string {
	t = t.UTC()
	if t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("15:04")
	}
	return t.Format("15:04:05")
}

// thousands renders n with comma separators: 1439 → "1,439".
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
