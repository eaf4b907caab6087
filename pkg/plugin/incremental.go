package plugin

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/incremental"
)

// Incremental refresh (the data source option `incremental`): a query the
// planner proved safe (package sqlplan/incremental) whose range moved
// forward is answered from the last answer of the same query and a query
// over the tail [max(previous to − overlap, from), to], aligned down to the
// bucket. When from does not sit on a bucket (or, for raw rows, on a whole
// second) a second small query answers the partial first bucket. The parts
// are spliced in time order; fill and shaping run on the merged table.
//
// Correctness rests on these rules, each checked here:
//   - only a plan whose decision is safe, and only when every partial plan
//     is safe with the same shape and bucket;
//   - the key is the query's cache key at a canonical range of the same
//     width, with the shape, bucket, data source, org, settings version
//     and forwarded user: other SQL, options, interval, time zone, row cap
//     or user never share an answer;
//   - a capped answer (rows or bytes) is never kept nor reused, and a merge
//     that would exceed a cap runs in full;
//   - alert evaluations and fresh requests run in full;
//   - what is kept is bounded (cacheMaxBytes, least recently used first)
//     and expires after incrementalStateTTL.

// incrementalStateTTL is how long the last answer of an incremental query
// is kept for the next refresh.
const incrementalStateTTL = time.Hour

// incrState is the last answer of one incremental query: the table that
// answers exactly the range [from, to]. It is never changed once stored.
type incrState struct {
	from, to time.Time
	table    *frames.Table
}

// incrOutcome is what the incremental path did.
type incrOutcome struct {
	r    *result
	step string // the plan step's detail
}

// fullRun is an outcome that runs the query in full, with the reason.
func fullRun(format string, args ...any) incrOutcome {
	return incrOutcome{step: "full query: " + fmt.Sprintf(format, args...)}
}

// overlap is the data source's incrementalOverlap.
func (s *Service) overlap() time.Duration {
	if s.cfg.IncrementalOverlap != nil {
		return time.Duration(*s.cfg.IncrementalOverlap)
	}
	return DefaultIncrementalOverlap
}

// incrementalKey identifies the query apart from its time range: the cache
// key of the same request planned over a range of the same width at the
// epoch, with the decision's shape and bucket and the request's scope.
func (s *Service) incrementalKey(ctx context.Context, plan *sqlplan.Plan, o engine.QueryOptions, sc CacheScope) (string, error) {
	dec := plan.Incremental
	req := plan.Request
	width := req.TimeRange.To.Sub(req.TimeRange.From)
	epoch := time.Unix(0, 0).UTC()
	req.TimeRange = sqlplan.TimeRange{From: epoch, To: epoch.Add(width)}
	canon, err := s.planner.Build(ctx, req)
	if err != nil {
		return "", err
	}
	if canon.Incremental == nil || !canon.Incremental.Safe || canon.Incremental.Shape != dec.Shape || canon.Incremental.Bucket != dec.Bucket {
		return "", fmt.Errorf("the decision changes with the range")
	}
	return strings.Join([]string{"incremental", string(dec.Shape), dec.Bucket.String(), width.String(),
		cacheKey(canon, o), sc.DataSourceUID, strconv.FormatInt(sc.OrgID, 10), sc.Updated.UTC().Format(time.RFC3339Nano), sc.User}, "\x00"), nil
}

// loadIncremental is the cache loader of a query with an incremental
// decision: the incremental answer when it can be had, else the full
// query; either way the answer is kept for the next refresh. r.incr says
// what was done.
func (s *Service) loadIncremental(ctx context.Context, plan *sqlplan.Plan, q Query, o engine.QueryOptions) (*result, int64, error) {
	full := func(step string, key string) (*result, int64, error) {
		r, n, err := s.execute(ctx, plan, o)
		if err != nil {
			return nil, 0, err
		}
		r.incr = step
		if key != "" {
			s.keepIncremental(key, plan.Request.TimeRange.From, plan.Request.TimeRange.To, r.table)
		}
		return r, n, nil
	}
	if q.Fresh {
		return full("full query: alert evaluations and fresh requests always run in full", "")
	}
	key, err := s.incrementalKey(ctx, plan, o, q.Scope)
	if err != nil {
		return full("full query: "+err.Error(), "")
	}
	out, ok, err := s.runIncremental(ctx, plan, key, o)
	if err != nil {
		return nil, 0, err
	}
	if !ok {
		return full(out.step, key)
	}
	out.r.incr = out.step
	s.keepIncremental(key, plan.Request.TimeRange.From, plan.Request.TimeRange.To, out.r.table)
	return out.r, out.r.table.SizeBytes(), nil
}

// runIncremental answers a query whose plan the planner proved safe from
// the previous answer and queries over the tail (and the partial first
// bucket). ok is false, with the reason as step, when it must run in full.
func (s *Service) runIncremental(ctx context.Context, plan *sqlplan.Plan, key string, o engine.QueryOptions) (out incrOutcome, ok bool, err error) {
	dec := plan.Incremental
	st, found := s.incr.Get(key)
	if !found {
		return fullRun("no earlier answer of this query to reuse"), false, nil
	}
	prevFrom, prevTo, prev := st.from, st.to, st.table
	from, to := plan.Request.TimeRange.From, plan.Request.TimeRange.To
	switch {
	case from.Round(time.Millisecond) != from || to.Round(time.Millisecond) != to:
		return fullRun("the range is not in whole milliseconds"), false, nil
	case to.Before(prevTo):
		return fullRun("the range ends before the previous one"), false, nil
	case from.Before(prevFrom):
		return fullRun("the range starts before the previous one"), false, nil
	case from.After(prevTo):
		return fullRun("the range does not overlap the previous one"), false, nil
	}
	// g is what the cut and the head are aligned to: the bucket, or whole
	// seconds for raw rows and sub-second buckets (some servers compare
	// the range in whole seconds).
	g, rows := dec.Bucket, dec.Shape == incremental.Rows
	switch {
	case rows:
		g = time.Second
	case g <= 0:
		return fullRun("no bucket length"), false, nil
	case g < time.Second && time.Second%g != 0:
		return fullRun("sub-second buckets of %s do not divide a second", g), false, nil
	case g < time.Second:
		g = time.Second
	case g%time.Second != 0:
		return fullRun("buckets of %s are not whole seconds", g), false, nil
	}
	cut := prevTo.Add(-s.overlap())
	if cut.Before(from) {
		cut = from
	}
	cut = alignDown(cut, g)
	mid := alignDown(from, g)
	if mid.Before(from) {
		mid = mid.Add(g)
	}
	if !mid.Before(cut) {
		return fullRun("the range is within the overlap: nothing to reuse"), false, nil
	}

	col := dec.Output
	var (
		parts   []frames.Part
		queried []time.Time // from, to of each query run
		scanned engine.QueryStats
		why     string // why a partial query cannot be used
	)
	runRange := func(lo, hi time.Time) (*frames.Table, error) {
		req := plan.Request
		req.TimeRange = sqlplan.TimeRange{From: lo, To: hi}
		p, err := s.planner.Build(ctx, req)
		if err != nil {
			return nil, err
		}
		if d := p.Incremental; d == nil || !d.Safe || d.Shape != dec.Shape || d.Bucket != dec.Bucket || d.Output != dec.Output {
			why = "the decision for a partial range differs"
			return nil, nil
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
			why = "the row or byte cap cut a partial query"
			return nil, nil
		}
		return r.table, nil
	}
	if mid.After(from) {
		t, err := runRange(from, mid)
		if err != nil || t == nil {
			return fullRun("%s", why), false, err
		}
		// Every row or bucket the head query returned before mid belongs
		// to the answer (its first bucket is partial in the full query too).
		parts = append(parts, frames.Part{Table: t, Time: col, From: math.MinInt64, To: mid.UnixNano()})
	}
	reuse := frames.Part{Table: prev, Time: col, From: mid.UnixNano(), To: cut.UnixNano()}
	parts = append(parts, reuse)
	tail, err := runRange(cut, to)
	if err != nil || tail == nil {
		return fullRun("%s", why), false, err
	}
	parts = append(parts, frames.Part{Table: tail, Time: col, From: cut.UnixNano()})
	merged, err := frames.Splice(parts, frames.TableOptions{MaxRows: plan.RowCap, MaxBytes: o.MaxBytes, NumericAsFloat: o.NumericAsFloat})
	if err != nil {
		return fullRun("%s", err.Error()), false, nil
	}
	if plan.RowCap > 0 && int64(merged.Len()) > plan.RowCap || o.MaxBytes > 0 && merged.ValueBytes() > o.MaxBytes {
		return fullRun("the merged answer would exceed the row or byte cap"), false, nil
	}
	unit := "buckets"
	if rows {
		unit = "rows"
	}
	detail := fmt.Sprintf("queried %s, reused %s %s", spans(queried), thousands(countWithin(prev, col, reuse)), unit)
	scanned.Rows = int64(merged.Len())
	return incrOutcome{r: &result{table: merged, stats: scanned}, step: detail}, true, nil
}

// keepIncremental remembers t as the answer over [from, to] for the next
// refresh of the query under key. A capped answer is not kept.
func (s *Service) keepIncremental(key string, from, to time.Time, t *frames.Table) {
	if t == nil || t.Truncated() || t.ByteCapped() {
		return
	}
	s.incr.Set(key, &incrState{from: from, to: to, table: t}, t.SizeBytes())
}

// countWithin is the number of rows of t within part p.
func countWithin(t *frames.Table, col int, p frames.Part) int {
	n := 0
	for r := 0; r < t.Len(); r++ {
		if v, ok := t.TimeNanos(col, r); ok && v >= p.From && (p.To == 0 || v < p.To) {
			n++
		}
	}
	return n
}

// alignDown is t rounded down to a multiple of step since the Unix epoch.
func alignDown(t time.Time, step time.Duration) time.Time {
	ns := t.UnixNano()
	s := int64(step)
	r := ns % s
	if r < 0 {
		r += s
	}
	return time.Unix(0, ns-r).UTC()
}

// spans renders the ranges queried in UTC, e.g. "12:59–13:00".
func spans(ts []time.Time) string {
	var b strings.Builder
	for i := 0; i+1 < len(ts); i += 2 {
		if b.Len() > 0 {
			b.WriteString(" and ")
		}
		b.WriteString(clock(ts[i]) + "–" + clock(ts[i+1]))
	}
	return b.String()
}

func clock(t time.Time) string {
	t = t.UTC()
	switch {
	case t.Nanosecond() != 0:
		return t.Format("15:04:05.000")
	case t.Second() != 0:
		return t.Format("15:04:05")
	}
	return t.Format("15:04")
}

// thousands renders n with comma separators: 1439 → "1,439".
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
