package frames

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/sqlplan"
)

var update = flag.Bool("update", false, "rewrite golden files")

// row is one test input row: values by column, nil = NULL.
type row []any

// build makes a table from specs and rows (test helper: it boxes, engines don't).
func build(t *testing.T, specs []ColumnSpec, rows []row, opts TableOptions) *Table {
	t.Helper()
	tb := NewTable(specs, opts)
	for _, r := range rows {
		if tb.Room() == 0 {
			tb.MarkTruncated()
			break
		}
		for i, v := range r {
			c := tb.Column(i)
			if v == nil {
				c.AppendNull()
				continue
			}
			switch b := c.(type) {
			case *Builder[int64]:
				b.Append(int64(v.(int)))
			case *Builder[float64]:
				b.Append(v.(float64))
			case *Times:
				b.Append(v.(time.Time))
			case *Strings:
				b.Append(v.(string))
			case *JSONs:
				b.Append(json.RawMessage(v.(string)))
			case *Builder[bool]:
				b.Append(v.(bool))
			default:
				t.Fatalf("test helper: unsupported builder %T", c)
			}
		}
		if err := tb.Commit(1); err != nil {
			t.Fatal(err)
		}
	}
	return tb
}

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

var (
	timeCol  = ColumnSpec{Name: "time", Kind: KindTime}
	hostCol  = ColumnSpec{Name: "host", Kind: KindString}
	valueCol = ColumnSpec{Name: "value", Kind: KindFloat64}
)

// render is a stable text form of frames for golden files.
func render(frames []*data.Frame) string {
	var b strings.Builder
	for _, f := range frames {
		meta := f.Meta
		f.Meta = nil
		s, err := f.StringTable(-1, -1)
		if err != nil {
			s = "error: " + err.Error()
		}
		b.WriteString(s)
		if meta != nil {
			m, _ := json.Marshal(struct {
				Type    data.FrameType `json:"type,omitempty"`
				Notices []data.Notice  `json:"notices,omitempty"`
				Topic   data.DataTopic `json:"dataTopic,omitempty"`
			}{meta.Type, meta.Notices, meta.DataTopic})
			b.WriteString("meta: " + string(m) + "\n")
		}
		b.WriteString("\n")
		f.Meta = meta
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/frames -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (go test ./pkg/frames -update rewrites it)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestShapeGolden(t *testing.T) {
	twoHosts := []row{
		{at(2), "b", 20.0}, // unsorted on purpose
		{at(0), "a", 1.0},
		{at(0), "b", 10.0},
		{at(1), "a", nil},
		{at(3), "a", 3.0},
	}
	tsSpecs := []ColumnSpec{timeCol, hostCol, valueCol}
	tests := []struct {
		name  string
		specs []ColumnSpec
		rows  []row
		opts  ShapeOptions
		table TableOptions
	}{
		{"table", tsSpecs, twoHosts, ShapeOptions{Format: sqlplan.FormatTable, Name: "A"}, TableOptions{}},
		{"table_truncated", tsSpecs, twoHosts, ShapeOptions{Format: sqlplan.FormatTable}, TableOptions{MaxRows: 2}},
		{"wide", tsSpecs, twoHosts, ShapeOptions{Format: sqlplan.FormatTimeSeries}, TableOptions{}},
		{"wide_fill_null", tsSpecs, twoHosts, ShapeOptions{Format: sqlplan.FormatTimeSeries,
			Fill:      &sqlplan.Fill{Mode: sqlplan.FillNull, Interval: time.Minute},
			TimeRange: sqlplan.TimeRange{From: at(0), To: at(5)}}, TableOptions{}},
		{"wide_fill_previous", tsSpecs, twoHosts, ShapeOptions{Format: sqlplan.FormatTimeSeries,
			Fill:      &sqlplan.Fill{Mode: sqlplan.FillPrevious, Interval: time.Minute},
			TimeRange: sqlplan.TimeRange{From: at(0), To: at(5)}}, TableOptions{}},
		{"wide_fill_value", tsSpecs, twoHosts, ShapeOptions{Format: sqlplan.FormatTimeSeries,
			Fill:      &sqlplan.Fill{Mode: sqlplan.FillValue, Value: 0},
			Interval:  2 * time.Minute,
			TimeRange: sqlplan.TimeRange{From: at(0), To: at(5)}}, TableOptions{}},
		{"long", tsSpecs, twoHosts, ShapeOptions{Format: sqlplan.FormatTimeSeriesLong}, TableOptions{}},
		{"multi", tsSpecs, twoHosts, ShapeOptions{Format: sqlplan.FormatTimeSeriesMulti}, TableOptions{}},
		{"wide_too_wide_becomes_multi", tsSpecs, twoHosts, ShapeOptions{Format: sqlplan.FormatTimeSeries, MaxWideCells: 3}, TableOptions{}},
		{"metric_column", []ColumnSpec{timeCol, {Name: "metric", Kind: KindString}, valueCol}, []row{
			{at(0), "cpu", 1.0}, {at(0), "mem", 2.0}, {at(1), "cpu", 3.0},
		}, ShapeOptions{Format: sqlplan.FormatTimeSeries}, TableOptions{}},
		{"epoch_seconds_and_millis", []ColumnSpec{{Name: "time", Kind: KindInt64}, valueCol}, []row{
			{int(t0.Unix()), 1.0}, {int(at(1).UnixMilli()), 2.0}, {nil, 3.0},
		}, ShapeOptions{Format: sqlplan.FormatTimeSeries}, TableOptions{}},
		{"numeric_values", []ColumnSpec{timeCol, {Name: "amount", Kind: KindNumeric}}, []row{
			{at(0), "12.30"}, {at(1), "0.05"},
		}, ShapeOptions{Format: sqlplan.FormatTimeSeriesLong}, TableOptions{}},
		{"logs", []ColumnSpec{{Name: "ts", Kind: KindTime}, {Name: "level", Kind: KindString}, {Name: "message", Kind: KindString},
			{Name: "labels", Kind: KindMap}, {Name: "service", Kind: KindString}}, []row{
			{at(1), "error", "boom", `{"pod":"p1"}`, "api"},
			{at(0), "info", "hello", nil, "web"},
		}, ShapeOptions{Format: sqlplan.FormatLogs}, TableOptions{}},
		{"annotations", []ColumnSpec{{Name: "ts", Kind: KindTime}, {Name: "end_ts", Kind: KindTime}, {Name: "title", Kind: KindString},
			{Name: "text", Kind: KindString}, {Name: "tags", Kind: KindArray}}, []row{
			{at(0), at(5), "deploy api", "v1.2", `["api","prod"]`},
			{at(10), nil, "deploy web", "v2", `[]`},
		}, ShapeOptions{Format: sqlplan.FormatAnnotations}, TableOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := build(t, tt.specs, tt.rows, tt.table)
			frames, err := Shape(tb, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "shape_"+tt.name, render(frames))
		})
	}
}

func TestShapeErrors(t *testing.T) {
	tests := []struct {
		name  string
		specs []ColumnSpec
		opts  ShapeOptions
		want  string
	}{
		{"no time column", []ColumnSpec{hostCol, valueCol}, ShapeOptions{Format: sqlplan.FormatTimeSeries},
			`time series needs a time column: a TIMESTAMP/DATE/DATETIME column or a numeric column named "time"`},
		{"no value column", []ColumnSpec{timeCol, hostCol}, ShapeOptions{Format: sqlplan.FormatTimeSeriesMulti},
			`time series needs at least one numeric value column besides "time"; the result has columns time (time), host (string)`},
		{"logs without text", []ColumnSpec{timeCol, valueCol}, ShapeOptions{Format: sqlplan.FormatLogs}, "logs need a text column"},
		{"unknown format", []ColumnSpec{timeCol}, ShapeOptions{Format: "pie"}, `unknown format "pie"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Shape(NewTable(tt.specs, TableOptions{}), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestSetMeta(t *testing.T) {
	tb := build(t, []ColumnSpec{valueCol}, []row{{1.0}, {2.0}}, TableOptions{MaxRows: 1})
	frames, err := Shape(tb, ShapeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	SetMeta(frames, Meta{ExecutedSQL: "SELECT 1", Rows: 1, BytesProcessed: 10, USD: 0.5, Duration: 1500 * time.Millisecond,
		Steps: []sqlplan.Step{{Kind: "limit", Detail: "LIMIT 2"}}, Truncated: true, MaxRows: 1})
	m := frames[0].Meta
	if m.ExecutedQueryString != "SELECT 1" || len(m.Stats) != 5 {
		t.Fatalf("meta %+v", m)
	}
	c := m.Custom.(Custom)
	if len(c.Steps) != 1 || !c.Truncated {
		t.Fatalf("custom %+v", c)
	}
	if len(m.Notices) != 1 || !strings.Contains(m.Notices[0].Text, "results truncated at 1 rows") {
		t.Fatalf("notices %+v", m.Notices)
	}
}

func TestSortIsStableOnLargeUnsortedInput(t *testing.T) {
	var rows []row
	for i := 0; i < 5000; i++ {
		rows = append(rows, row{at((i * 7919) % 5000), float64(i)})
	}
	tb := build(t, []ColumnSpec{timeCol, valueCol}, rows, TableOptions{})
	frames, err := Shape(tb, ShapeOptions{Format: sqlplan.FormatTimeSeriesLong})
	if err != nil {
		t.Fatal(err)
	}
	f := frames[0].Fields[0]
	for i := 1; i < f.Len(); i++ {
		if f.At(i).(time.Time).Before(f.At(i - 1).(time.Time)) {
			t.Fatalf("not sorted at %d", i)
		}
	}
}

func TestEpochToNanos(t *testing.T) {
	for in, want := range map[int64]time.Time{
		1704067200:          t0,
		1704067200000:       t0,
		1704067200000000:    t0,
		1704067200000000000: t0,
	} {
		if got := time.Unix(0, EpochToNanos(in)).UTC(); !got.Equal(want) {
			t.Errorf("%d: got %v", in, got)
		}
	}
}

// BenchmarkShapeHighCardinality shapes 200,000 rows of 2,000 series: wide
// and multi must stay O(rows).
func BenchmarkShapeHighCardinality(b *testing.B) {
	const series, points = 2000, 100
	specs := []ColumnSpec{timeCol, hostCol, valueCol}
	for _, format := range []sqlplan.Format{sqlplan.FormatTimeSeries, sqlplan.FormatTimeSeriesMulti, sqlplan.FormatTimeSeriesLong} {
		b.Run(string(format), func(b *testing.B) {
			tb := NewTable(specs, TableOptions{})
			tc, hc, vc := tb.Column(0).(*Times), tb.Column(1).(*Strings), tb.Column(2).(*Builder[float64])
			for p := 0; p < points; p++ {
				for s := 0; s < series; s++ {
					tc.Append(at(p))
					hc.Append("host-" + strconv.Itoa(s))
					vc.Append(float64(s * p))
				}
			}
			if err := tb.Commit(series * points); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Shape(tb, ShapeOptions{Format: format}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBuilders appends 1,000,000 rows of (time, string, float64, int64)
// the way engines do and converts them to a frame.
func BenchmarkBuilders(b *testing.B) {
	host := []byte("host-42")
	b.ReportAllocs()
	for b.Loop() {
		tb := NewTable([]ColumnSpec{timeCol, hostCol, valueCol, {Name: "n", Kind: KindInt64}}, TableOptions{MaxRows: 1_000_000})
		tc, hc := tb.Column(0).(*Times), tb.Column(1).(*Strings)
		vc, nc := tb.Column(2).(*Builder[float64]), tb.Column(3).(*Builder[int64])
		for i := 0; i < 1_000_000; i++ {
			tc.Append(t0)
			hc.AppendBytes(host)
			vc.Append(float64(i))
			nc.Append(int64(i))
		}
		if err := tb.Commit(1_000_000); err != nil {
			b.Fatal(err)
		}
		_ = TableFrame(tb, "")
	}
}
