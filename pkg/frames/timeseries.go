package frames

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/sqlplan"
)

// cell states of a wide series.
const (
	cellMissing uint8 = iota
	cellNull
	cellSet
)

// wideFrames pivots long rows into one frame: one time field and one float64
// field per (series, value column). With a fill, times are resampled to the
// fill interval over the time range and missing buckets are filled.
func wideFrames(t *Table, opts ShapeOptions) ([]*data.Frame, error) {
	l, err := detectTimeSeries(t)
	if err != nil {
		return nil, err
	}
	order, times, dropped := l.sortedRows(t.rows)
	series := groupSeries(t, l, order)
	nSeries := max(len(series.labels), 1)

	// The time axis: distinct times, or the resampled grid.
	step, months := time.Duration(0), 0
	if opts.Fill != nil {
		step, months = opts.Fill.Interval, opts.Fill.Months
		if step <= 0 {
			step = opts.Interval
		}
	}
	var axis []int64
	slot := make([]int32, t.rows)
	maxCells := opts.MaxWideCells
	if maxCells <= 0 {
		maxCells = DefaultMaxWideCells
	}
	var notices []data.Notice
	resampled := false
	if g, ok := newGrid(step, months, opts.Location); ok {
		axis, resampled = resampleAxis(opts.TimeRange, g, order, times, slot, maxCells)
		if !resampled {
			notices = append(notices, data.Notice{Severity: data.NoticeSeverityWarning,
				Text: fmt.Sprintf("the fill interval %s makes too many buckets for the time range; missing buckets were not filled", fillIntervalText(step, months))})
		}
	}
	if !resampled {
		for _, r := range order {
			ts := times[r]
			if len(axis) == 0 || axis[len(axis)-1] != ts {
				axis = append(axis, ts)
			}
			slot[r] = int32(len(axis) - 1)
		}
	}
	if cells := int64(len(axis)) * int64(nSeries) * int64(len(l.values)); cells > int64(maxCells) {
		frames, err := multiFrames(t, opts, l)
		if err != nil {
			return nil, err
		}
		n := data.Notice{Severity: data.NoticeSeverityInfo, Text: fmt.Sprintf("%d series x %d times is too wide for one frame; returned one frame per series", nSeries, len(axis))}
		for _, f := range frames {
			f.Meta.Notices = append(f.Meta.Notices, n)
		}
		return frames, nil
	}

	frame := data.NewFrame(opts.Name, timeField(t.cols[l.timeCol].Spec().Name, axis))
	frame.Meta = tsMeta(data.FrameTypeTimeSeriesWide)
	frame.Meta.Notices = append(frame.Meta.Notices, notices...)
	if dropped > 0 {
		frame.Meta.Notices = append(frame.Meta.Notices, nullTimeNotice(t.cols[l.timeCol].Spec().Name, dropped))
	}
	vals := make([]float64, len(axis))
	state := make([]uint8, len(axis))
	for s, rows := range series.members {
		for _, vc := range l.values {
			get, _ := floatGetter(t.cols[vc])
			clear(vals)
			clear(state)
			for _, r := range rows {
				k := slot[r]
				if k < 0 {
					continue
				}
				if v, ok := get(int(r)); ok {
					vals[k], state[k] = v, cellSet
				} else if state[k] != cellSet {
					state[k] = cellNull
				}
			}
			f := fillField(valueName(t, l, series, s, vc), vals, state, opts.Fill)
			f.Labels = series.labels[s]
			frame.Fields = append(frame.Fields, f)
		}
	}
	return []*data.Frame{frame}, nil
}

// fillField turns one series' cells into a float64 field, filling missing
// cells per the fill mode. Explicit NULLs stay NULL.
func fillField(name string, vals []float64, state []uint8, fill *sqlplan.Fill) *data.Field {
	b := NewBuilder[float64](ColumnSpec{Name: name, Kind: KindFloat64})
	b.Reserve(len(vals))
	prev, havePrev := 0.0, false
	for i, st := range state {
		switch st {
		case cellSet:
			b.Append(vals[i])
			prev, havePrev = vals[i], true
		case cellNull:
			b.AppendNull()
		default:
			switch {
			case fill != nil && fill.Mode == sqlplan.FillValue:
				b.Append(fill.Value)
			case fill != nil && fill.Mode == sqlplan.FillPrevious && havePrev:
				b.Append(prev)
			default:
				b.AppendNull()
			}
		}
	}
	return b.Field()
}

// longFrames returns the rows sorted by time as one long frame: the time
// column first, label columns as strings, value columns as float64 (NUMERIC
// text is parsed), other columns as they are.
func longFrames(t *Table, opts ShapeOptions) ([]*data.Frame, error) {
	l, err := detectTimeSeries(t)
	if err != nil {
		return nil, err
	}
	order, times, dropped := l.sortedRows(t.rows)
	ts := make([]int64, len(order))
	for i, r := range order {
		ts[i] = times[r]
	}
	frame := data.NewFrame(opts.Name, timeField(t.cols[l.timeCol].Spec().Name, ts))
	frame.Meta = tsMeta(data.FrameTypeTimeSeriesLong)
	if dropped > 0 {
		frame.Meta.Notices = append(frame.Meta.Notices, nullTimeNotice(t.cols[l.timeCol].Spec().Name, dropped))
	}
	cols := make([]int, 0, len(t.cols))
	if l.metric >= 0 {
		cols = append(cols, l.metric)
	}
	cols = append(cols, l.labels...)
	cols = append(cols, l.values...)
	cols = append(cols, l.ignored...)
	for _, ci := range cols {
		c := t.cols[ci]
		if s, ok := c.(*Strings); ok && s.spec.Kind == KindNumeric {
			frame.Fields = append(frame.Fields, floatField(c, order))
			continue
		}
		frame.Fields = append(frame.Fields, gather(c, order))
	}
	return []*data.Frame{frame}, nil
}

// multiFrames returns one frame per series (time, then one field per value
// column carrying the series labels). Memory is O(rows): no times x series
// matrix is built.
func multiFrames(t *Table, opts ShapeOptions, l *tsLayout) ([]*data.Frame, error) {
	if l == nil {
		var err error
		if l, err = detectTimeSeries(t); err != nil {
			return nil, err
		}
	}
	order, times, dropped := l.sortedRows(t.rows)
	series := groupSeries(t, l, order)
	frames := make([]*data.Frame, 0, len(series.members))
	tname := t.cols[l.timeCol].Spec().Name
	for s, rows := range series.members {
		ts := make([]int64, len(rows))
		for i, r := range rows {
			ts[i] = times[r]
		}
		name := opts.Name
		if series.metric[s] != "" {
			name = series.metric[s]
		}
		f := data.NewFrame(name, timeField(tname, ts))
		f.Meta = tsMeta(data.FrameTypeTimeSeriesMulti)
		for _, vc := range l.values {
			vf := floatField(t.cols[vc], rows)
			vf.Name = valueName(t, l, series, s, vc)
			vf.Labels = series.labels[s]
			f.Fields = append(f.Fields, vf)
		}
		frames = append(frames, f)
	}
	if len(frames) == 0 {
		f := data.NewFrame(opts.Name, timeField(tname, nil))
		f.Meta = tsMeta(data.FrameTypeTimeSeriesMulti)
		for _, vc := range l.values {
			f.Fields = append(f.Fields, floatField(t.cols[vc], nil))
		}
		frames = append(frames, f)
	}
	if dropped > 0 {
		frames[0].Meta.Notices = append(frames[0].Meta.Notices, nullTimeNotice(tname, dropped))
	}
	return frames, nil
}

// floatField reads the rows of a numeric column into a float64 field.
func floatField(c Column, rows []int32) *data.Field {
	get, _ := floatGetter(c)
	b := NewBuilder[float64](ColumnSpec{Name: c.Spec().Name, Kind: KindFloat64})
	b.Reserve(len(rows))
	for _, r := range rows {
		if v, ok := get(int(r)); ok {
			b.Append(v)
		} else {
			b.AppendNull()
		}
	}
	return b.Field()
}

// gather copies the rows of any column, in order, into a new field.
func gather(c Column, rows []int32) *data.Field {
	switch b := c.(type) {
	case *Builder[int8]:
		return gatherB(b, rows)
	case *Builder[int16]:
		return gatherB(b, rows)
	case *Builder[int32]:
		return gatherB(b, rows)
	case *Builder[int64]:
		return gatherB(b, rows)
	case *Builder[uint8]:
		return gatherB(b, rows)
	case *Builder[uint16]:
		return gatherB(b, rows)
	case *Builder[uint32]:
		return gatherB(b, rows)
	case *Builder[uint64]:
		return gatherB(b, rows)
	case *Builder[float32]:
		return gatherB(b, rows)
	case *Builder[float64]:
		return gatherB(b, rows)
	case *Builder[bool]:
		return gatherB(b, rows)
	case *Times:
		out := NewTimes(b.spec)
		out.Reserve(len(rows))
		for _, r := range rows {
			if b.IsNull(int(r)) {
				out.AppendNull()
			} else {
				out.AppendNanos(b.vals[r])
			}
		}
		return out.Field()
	case *Strings:
		out := NewStrings(b.spec)
		out.Reserve(len(rows))
		for _, r := range rows {
			if b.IsNull(int(r)) {
				out.AppendNull()
			} else {
				out.AppendBytes(b.Bytes(int(r)))
			}
		}
		return out.Field()
	case *JSONs:
		out := make([]json.RawMessage, len(rows))
		for i, r := range rows {
			out[i] = b.vals[r]
		}
		return newField(b.spec.Name, out)
	}
	return data.NewField(c.Spec().Name, nil, []string{})
}

func gatherB[T any](b *Builder[T], rows []int32) *data.Field {
	out := NewBuilder[T](b.spec)
	out.Reserve(len(rows))
	for _, r := range rows {
		if b.IsNull(int(r)) {
			out.AppendNull()
		} else {
			out.Append(b.vals[r])
		}
	}
	return out.Field()
}
