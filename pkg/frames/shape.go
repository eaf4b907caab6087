package frames

import (
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/sqlplan"
)

// ShapeOptions say which frames Shape builds.
type ShapeOptions struct {
	// Format is the requested shape ("" = table).
	Format sqlplan.Format
	// Name is the frame name (usually the query's RefID).
	Name string
	// Fill fills missing buckets of wide time series and resamples them to
	// Fill.Interval (falling back to Interval) over TimeRange.
	Fill      *sqlplan.Fill
	TimeRange sqlplan.TimeRange
	// Interval is the planned interval ($__interval), used by Fill when
	// Fill.Interval is zero.
	Interval time.Duration
	// Location is the request's time zone (nil: UTC). Filled day, week and
	// month buckets follow its calendar, as $__timeGroup's SQL does.
	Location *time.Location
	// MaxWideCells bounds a wide frame (times x series); above it the result
	// is returned one frame per series with a notice. 0 = 5,000,000.
	MaxWideCells int
	// rowOffset is the number of rows before the table's first (a chunk of
	// a streamed result, see ChunkFrame): log line ids count from the
	// result's first row.
	rowOffset int64
}

// DefaultMaxWideCells is the wide-frame bound when ShapeOptions.MaxWideCells is 0.
const DefaultMaxWideCells = 5_000_000

// Shape converts a filled table to frames of the requested format. It only
// reads the table, so a cached table may be shaped again (for another panel
// or format); frames of the table format share the table's value arrays
// without copying, so neither the table nor those frames may be appended to
// afterwards. Every frame carries the table's notices.
func Shape(t *Table, opts ShapeOptions) ([]*data.Frame, error) {
	if t == nil {
		return nil, fmt.Errorf("frames: no result table")
	}
	var (
		out []*data.Frame
		err error
	)
	switch opts.Format {
	case "", sqlplan.FormatTable:
		out = []*data.Frame{TableFrame(t, opts.Name)}
	case sqlplan.FormatTimeSeries:
		out, err = wideFrames(t, opts)
	case sqlplan.FormatTimeSeriesLong:
		out, err = longFrames(t, opts)
	case sqlplan.FormatTimeSeriesMulti:
		out, err = multiFrames(t, opts, nil)
	case sqlplan.FormatLogs:
		out, err = logFrames(t, opts)
	case sqlplan.FormatAnnotations:
		out, err = annotationFrames(t, opts)
	default:
		return nil, fmt.Errorf("frames: unknown format %q (use table, time_series, time_series_long, time_series_multi, logs or annotations)", opts.Format)
	}
	if err != nil {
		return nil, err
	}
	for _, f := range out {
		if f.Meta == nil {
			f.Meta = &data.FrameMeta{}
		}
		for _, n := range t.notices {
			f.Meta.Notices = appendNotice(f.Meta.Notices, n)
		}
	}
	return out, nil
}

// TableFrame converts the table to one frame, handing over the builders'
// values without copying.
func TableFrame(t *Table, name string) *data.Frame {
	f := data.NewFrame(name)
	for _, c := range t.cols {
		f.Fields = append(f.Fields, c.Field())
	}
	f.Meta = tableMeta()
	return f
}

func tableMeta() *data.FrameMeta {
	return &data.FrameMeta{Type: data.FrameTypeTable, TypeVersion: data.FrameTypeVersion{0, 1}, PreferredVisualization: data.VisTypeTable}
}

// TableFrameHead is the frame Shape returns for the table format, without
// its fields: its name and meta, with the table's notices. Its fields are
// the table's columns; arrowipc.MarshalTable encodes the two together
// straight from the columns' buffers, with no data.Field in between.
func TableFrameHead(t *Table, name string) *data.Frame {
	f := data.NewFrame(name)
	f.Meta = tableMeta()
	for _, n := range t.notices {
		f.Meta.Notices = appendNotice(f.Meta.Notices, n)
	}
	return f
}

// tsLayout is the result of time-series column detection.
type tsLayout struct {
	timeCol int
	timeAt  func(int) (int64, bool)
	values  []int
	labels  []int
	metric  int // index of the `metric` column, or -1
	ignored []int
}

// detectTimeSeries applies the rules of RULES.md.
func detectTimeSeries(t *Table) (*tsLayout, error) {
	l := &tsLayout{timeCol: -1, metric: -1}
	// 1. A time-typed column named `time`, else the first time-typed column.
	for i, c := range t.cols {
		if c.Spec().Kind == KindTime && isNamed(c, "time") {
			l.timeCol = i
			break
		}
	}
	if l.timeCol < 0 {
		for i, c := range t.cols {
			if c.Spec().Kind == KindTime {
				l.timeCol = i
				break
			}
		}
	}
	// 2. Else a numeric column named `time` (or `time_sec`): epoch by magnitude.
	if l.timeCol < 0 {
		for i, c := range t.cols {
			if c.Spec().Kind.Numeric() && isNamed(c, "time", "time_sec") {
				l.timeCol = i
				break
			}
		}
	}
	if l.timeCol < 0 {
		return nil, fmt.Errorf("time series needs a time column: a TIMESTAMP/DATE/DATETIME column or a numeric column named \"time\" (epoch seconds or milliseconds); the result has %s. Alias the time column AS time, or use the table format", describeColumns(t))
	}
	l.timeAt, _ = timeGetter(t.cols[l.timeCol])
	for i, c := range t.cols {
		if i == l.timeCol {
			continue
		}
		k := c.Spec().Kind
		switch {
		case k.Numeric():
			l.values = append(l.values, i)
		case isLabelKind(k) && isNamed(c, "metric") && l.metric < 0:
			l.metric = i
		case isLabelKind(k):
			l.labels = append(l.labels, i)
		default:
			l.ignored = append(l.ignored, i)
		}
	}
	if len(l.values) == 0 {
		return nil, fmt.Errorf("time series needs at least one numeric value column besides %q; the result has %s", t.cols[l.timeCol].Spec().Name, describeColumns(t))
	}
	return l, nil
}

func describeColumns(t *Table) string {
	if len(t.cols) == 0 {
		return "no columns"
	}
	parts := make([]string, len(t.cols))
	for i, c := range t.cols {
		parts[i] = fmt.Sprintf("%s (%s)", c.Spec().Name, c.Spec().Kind)
	}
	return "columns " + strings.Join(parts, ", ")
}

// sortedRows returns the rows with a non-NULL time in time order (stable),
// and the number of rows dropped for a NULL time.
func (l *tsLayout) sortedRows(n int) (order []int32, times []int64, dropped int) {
	order = make([]int32, 0, n)
	times = make([]int64, n)
	sorted := true
	var last int64
	for i := 0; i < n; i++ {
		ts, ok := l.timeAt(i)
		if !ok {
			dropped++
			continue
		}
		times[i] = ts
		if len(order) > 0 && ts < last {
			sorted = false
		}
		last = ts
		order = append(order, int32(i))
	}
	if !sorted {
		sortStableBy(order, times)
	}
	return order, times, dropped
}

func nullTimeNotice(name string, dropped int) data.Notice {
	return data.Notice{Severity: data.NoticeSeverityWarning, Text: fmt.Sprintf("%d rows with a NULL %q were left out of the time series", dropped, name)}
}

// seriesSet is the rows grouped by their label values: the label sets in
// first-seen order and each series' rows in time order.
type seriesSet struct {
	index   map[string]int
	labels  []data.Labels
	metric  []string
	members [][]int32
}

// groupSeries groups the rows of order (time-sorted) into series, in O(rows).
func groupSeries(t *Table, l *tsLayout, order []int32) *seriesSet {
	s := &seriesSet{index: map[string]int{}}
	getters := make([]func(int) string, len(l.labels))
	for j, ci := range l.labels {
		getters[j], _ = labelGetter(t.cols[ci])
	}
	var metricAt func(int) string
	if l.metric >= 0 {
		metricAt, _ = labelGetter(t.cols[l.metric])
	}
	var key []byte
	for _, r := range order {
		row := int(r)
		key = key[:0]
		if metricAt != nil {
			key = append(key, metricAt(row)...)
			key = append(key, 0)
		}
		for _, g := range getters {
			key = append(key, g(row)...)
			key = append(key, 0)
		}
		idx, ok := s.index[string(key)]
		if !ok {
			idx = len(s.labels)
			s.index[string(key)] = idx
			var lbl data.Labels
			if len(getters) > 0 {
				lbl = make(data.Labels, len(getters))
				for j, g := range getters {
					lbl[t.cols[l.labels[j]].Spec().Name] = g(row)
				}
			}
			s.labels = append(s.labels, lbl)
			m := ""
			if metricAt != nil {
				m = metricAt(row)
			}
			s.metric = append(s.metric, m)
			s.members = append(s.members, nil)
		}
		s.members[idx] = append(s.members[idx], r)
	}
	return s
}

// valueName is the field name of value column v in series s.
func valueName(t *Table, l *tsLayout, s *seriesSet, series, col int) string {
	name := t.cols[col].Spec().Name
	if l.metric >= 0 {
		if len(l.values) == 1 {
			return s.metric[series]
		}
		return s.metric[series] + " " + name
	}
	return name
}

func timeField(name string, ns []int64) *data.Field {
	ts := make([]time.Time, len(ns))
	for i, v := range ns {
		ts[i] = time.Unix(0, v).UTC()
	}
	return newField(name, ts)
}

func tsMeta(t data.FrameType) *data.FrameMeta {
	return &data.FrameMeta{Type: t, TypeVersion: data.FrameTypeVersion{0, 1}, PreferredVisualization: data.VisTypeGraph}
}

// sortStableBy sorts row indices by key (stable merge sort, no panics on
// any input).
func sortStableBy(order []int32, key []int64) {
	tmp := make([]int32, len(order))
	mergeSort(order, tmp, key)
}

func mergeSort(a, tmp []int32, key []int64) {
	if len(a) <= 16 {
		for i := 1; i < len(a); i++ {
			for j := i; j > 0 && key[a[j]] < key[a[j-1]]; j-- {
				a[j], a[j-1] = a[j-1], a[j]
			}
		}
		return
	}
	m := len(a) / 2
	mergeSort(a[:m], tmp[:m], key)
	mergeSort(a[m:], tmp[m:], key)
	if key[a[m-1]] <= key[a[m]] {
		return
	}
	copy(tmp, a)
	i, j, k := 0, m, 0
	for i < m && j < len(a) {
		if key[tmp[j]] < key[tmp[i]] {
			a[k] = tmp[j]
			j++
		} else {
			a[k] = tmp[i]
			i++
		}
		k++
	}
	for i < m {
		a[k] = tmp[i]
		i++
		k++
	}
	for j < len(a) {
		a[k] = tmp[j]
		j++
		k++
	}
}
