package frames

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// logFrames builds a Grafana log-lines frame: timestamp, body, severity,
// labels (JSON object) and id. Rows keep the query's order.
//
// Columns: the time column by the time-series rules; body is the column named
// body, message, msg, line, log or text, else the first string column that
// is not the level; severity is the column named level, severity, lvl or
// loglevel; labels is a JSON/map column named labels, merged with every other
// string column (column name = label name).
func logFrames(t *Table, opts ShapeOptions) ([]*data.Frame, error) {
	timeCol := findTimeColumn(t)
	if timeCol < 0 {
		return nil, fmt.Errorf("logs need a time column (a TIMESTAMP column, or a numeric column named \"time\"); the result has %s", describeColumns(t))
	}
	used := map[int]bool{timeCol: true}
	level := findNamed(t, used, isLabelKind, "level", "severity", "lvl", "loglevel")
	if level >= 0 {
		used[level] = true
	}
	body := findNamed(t, used, func(k Kind) bool { return k == KindString || k == KindJSON }, "body", "message", "msg", "line", "log", "text")
	if body < 0 {
		for i, c := range t.cols {
			if !used[i] && c.Spec().Kind == KindString {
				body = i
				break
			}
		}
	}
	if body < 0 {
		return nil, fmt.Errorf("logs need a text column for the log line (named body, message, msg, line or log); the result has %s", describeColumns(t))
	}
	used[body] = true
	labelsCol := findNamed(t, used, func(k Kind) bool { return k == KindJSON || k == KindMap || k == KindString }, "labels")
	if labelsCol >= 0 {
		used[labelsCol] = true
	}
	var extra []int
	for i, c := range t.cols {
		if !used[i] && isLabelKind(c.Spec().Kind) {
			extra = append(extra, i)
		}
	}

	timeAt, _ := timeGetter(t.cols[timeCol])
	n := t.rows
	ts := make([]time.Time, 0, n)
	rows := make([]int32, 0, n)
	for i := 0; i < n; i++ {
		v, ok := timeAt(i)
		if !ok {
			continue
		}
		ts = append(ts, time.Unix(0, v).UTC())
		rows = append(rows, int32(i))
	}
	bodyF := stringField(t.cols[body], rows, "body")
	fields := []*data.Field{newField("timestamp", ts), bodyF}
	if level >= 0 {
		fields = append(fields, stringField(t.cols[level], rows, "severity"))
	}
	labels := make([]json.RawMessage, len(rows))
	getters := make([]func(int) string, len(extra))
	for j, ci := range extra {
		getters[j], _ = labelGetter(t.cols[ci])
	}
	var labelsJSON *JSONs
	var labelsText *Strings
	if labelsCol >= 0 {
		labelsJSON, _ = t.cols[labelsCol].(*JSONs)
		labelsText, _ = t.cols[labelsCol].(*Strings)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		m := map[string]string{}
		var raw []byte
		switch {
		case labelsJSON != nil && !labelsJSON.IsNull(int(r)):
			raw = labelsJSON.vals[r]
		case labelsText != nil && !labelsText.IsNull(int(r)):
			raw = labelsText.Bytes(int(r))
		}
		if len(raw) > 0 {
			var obj map[string]any
			if json.Unmarshal(raw, &obj) == nil {
				for k, v := range obj {
					if s, ok := v.(string); ok {
						m[k] = s
					} else if b, err := json.Marshal(v); err == nil {
						m[k] = string(b)
					}
				}
			}
		}
		for j, g := range getters {
			if !t.cols[extra[j]].IsNull(int(r)) {
				m[t.cols[extra[j]].Spec().Name] = g(int(r))
			}
		}
		b, _ := json.Marshal(m) // a map[string]string always marshals
		labels[i] = b
		ids[i] = fmt.Sprintf("%d_%d", ts[i].UnixNano(), opts.rowOffset+int64(r))
	}
	fields = append(fields, newField("labels", labels), newField("id", ids))
	f := data.NewFrame(opts.Name, fields...)
	f.Meta = &data.FrameMeta{Type: data.FrameTypeLogLines, TypeVersion: data.FrameTypeVersion{0, 0}, PreferredVisualization: data.VisTypeLogs}
	return []*data.Frame{f}, nil
}

// annotationFrames builds an annotations frame: time, timeEnd, title, text,
// tags (comma-separated).
//
// Columns: time is the column named time (else the first time column);
// timeEnd the column named timeEnd, time_end, end_time, end_ts or end (else a
// second time column); title, text (or description/body) and tags by name.
func annotationFrames(t *Table, opts ShapeOptions) ([]*data.Frame, error) {
	timeCol := findTimeColumn(t)
	if timeCol < 0 {
		return nil, fmt.Errorf("annotations need a time column (a TIMESTAMP column, or a numeric column named \"time\"); the result has %s", describeColumns(t))
	}
	used := map[int]bool{timeCol: true}
	isTime := func(k Kind) bool { return k == KindTime || k.Numeric() }
	endCol := findNamed(t, used, isTime, "timeEnd", "time_end", "end_time", "end_ts", "end", "timeend")
	if endCol < 0 {
		for i, c := range t.cols {
			if !used[i] && c.Spec().Kind == KindTime {
				endCol = i
				break
			}
		}
	}
	if endCol >= 0 {
		used[endCol] = true
	}
	anyText := func(k Kind) bool { return Storage(k, false) == StoreString || Storage(k, false) == StoreJSON }
	title := findNamed(t, used, anyText, "title")
	if title >= 0 {
		used[title] = true
	}
	text := findNamed(t, used, anyText, "text", "description", "body", "message")
	if text >= 0 {
		used[text] = true
	}
	tags := findNamed(t, used, anyText, "tags")
	if title < 0 && text < 0 {
		return nil, fmt.Errorf("annotations need a title or text column; the result has %s", describeColumns(t))
	}

	timeAt, _ := timeGetter(t.cols[timeCol])
	var endAt func(int) (int64, bool)
	if endCol >= 0 {
		endAt, _ = timeGetter(t.cols[endCol])
	}
	rows := make([]int32, 0, t.rows)
	start := NewTimes(ColumnSpec{Name: "time", Kind: KindTime})
	end := NewTimes(ColumnSpec{Name: "timeEnd", Kind: KindTime})
	for i := 0; i < t.rows; i++ {
		v, ok := timeAt(i)
		if !ok {
			continue
		}
		rows = append(rows, int32(i))
		start.AppendNanos(v)
		if endAt != nil {
			if e, ok := endAt(i); ok {
				end.AppendNanos(e)
			} else {
				end.AppendNull()
			}
		}
	}
	fields := []*data.Field{start.Field()}
	if endAt != nil {
		fields = append(fields, end.Field())
	}
	if title >= 0 {
		fields = append(fields, stringField(t.cols[title], rows, "title"))
	}
	if text >= 0 {
		fields = append(fields, stringField(t.cols[text], rows, "text"))
	}
	if tags >= 0 {
		fields = append(fields, tagsField(t.cols[tags], rows))
	}
	f := data.NewFrame(opts.Name, fields...)
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTable, TypeVersion: data.FrameTypeVersion{0, 1}}
	return []*data.Frame{f}, nil
}

// findTimeColumn applies the time-column rules of RULES.md.
func findTimeColumn(t *Table) int {
	for i, c := range t.cols {
		if c.Spec().Kind == KindTime && isNamed(c, "time", "ts", "timestamp") {
			return i
		}
	}
	for i, c := range t.cols {
		if c.Spec().Kind == KindTime {
			return i
		}
	}
	for i, c := range t.cols {
		if c.Spec().Kind.Numeric() && isNamed(c, "time", "time_sec") {
			return i
		}
	}
	return -1
}

func findNamed(t *Table, used map[int]bool, kindOK func(Kind) bool, names ...string) int {
	for _, n := range names {
		for i, c := range t.cols {
			if !used[i] && strings.EqualFold(c.Spec().Name, n) && kindOK(c.Spec().Kind) {
				return i
			}
		}
	}
	return -1
}

// stringField renders the rows of a text-like column as a nullable string field.
func stringField(c Column, rows []int32, name string) *data.Field {
	out := NewBuilder[string](ColumnSpec{Name: name, Kind: KindString})
	out.Reserve(len(rows))
	for _, r := range rows {
		if c.IsNull(int(r)) {
			out.AppendNull()
			continue
		}
		switch b := c.(type) {
		case *Strings:
			out.Append(b.Value(int(r)))
		case *JSONs:
			out.Append(string(b.vals[r]))
		default:
			if get, ok := labelGetter(c); ok {
				out.Append(get(int(r)))
			} else {
				out.AppendNull()
			}
		}
	}
	return out.Field()
}

// tagsField renders tags as comma-separated text: a JSON array is joined, a
// string is kept.
func tagsField(c Column, rows []int32) *data.Field {
	out := NewBuilder[string](ColumnSpec{Name: "tags", Kind: KindString})
	for _, r := range rows {
		switch b := c.(type) {
		case *JSONs:
			var arr []any
			if b.IsNull(int(r)) || json.Unmarshal(b.vals[r], &arr) != nil {
				out.Append("")
				continue
			}
			parts := make([]string, 0, len(arr))
			for _, v := range arr {
				parts = append(parts, fmt.Sprint(v))
			}
			out.Append(strings.Join(parts, ","))
		case *Strings:
			out.Append(b.Value(int(r)))
		default:
			out.Append("")
		}
	}
	return out.Field()
}
