package frames

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan"
)

// FuzzShape feeds arbitrary tables (kinds, NULLs, unsorted and duplicate
// times, huge or negative epochs) to every format: Shape may return an error
// but must never panic.
func FuzzShape(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, uint8(3), uint16(60))
	f.Add([]byte{0, 0, 0, 0, 255, 255, 255, 255, 1, 0, 1, 0}, uint8(1), uint16(0))
	formats := []sqlplan.Format{sqlplan.FormatTable, sqlplan.FormatTimeSeries, sqlplan.FormatTimeSeriesLong,
		sqlplan.FormatTimeSeriesMulti, sqlplan.FormatLogs, sqlplan.FormatAnnotations}
	kinds := []Kind{KindTime, KindInt64, KindFloat64, KindString, KindNumeric, KindJSON, KindBool}
	names := []string{"time", "value", "host", "metric", "level", "message", "title", "tags", "timeEnd", "labels"}
	f.Fuzz(func(t *testing.T, raw []byte, ncols uint8, fillSec uint16) {
		n := int(ncols%6) + 1
		specs := make([]ColumnSpec, n)
		for i := range specs {
			var b byte
			if i < len(raw) {
				b = raw[i]
			}
			specs[i] = ColumnSpec{Name: names[int(b)%len(names)], Kind: kinds[int(b>>4)%len(kinds)]}
		}
		tb := NewTable(specs, TableOptions{MaxRows: 50})
		for r := 0; r+8 <= len(raw) && r < 8*60; r += 8 {
			v := int64(binary.LittleEndian.Uint64(raw[r:]))
			for _, c := range tb.cols {
				if v%7 == 0 {
					c.AppendNull()
					continue
				}
				switch b := c.(type) {
				case *Times:
					b.Append(time.Unix(0, v%(1<<60)))
				case *Builder[int64]:
					b.Append(v)
				case *Builder[float64]:
					b.Append(float64(v) / 3)
				case *Builder[bool]:
					b.Append(v%2 == 0)
				case *Strings:
					b.AppendBytes(raw[r : r+8])
				case *JSONs:
					b.AppendBytes([]byte(`["a",1]`))
				}
			}
			if err := tb.Commit(1); err != nil {
				t.Fatal(err)
			}
		}
		for _, format := range formats {
			opts := ShapeOptions{Format: format, TimeRange: sqlplan.TimeRange{From: time.Unix(0, 0), To: time.Unix(3600, 0)}}
			if fillSec > 0 {
				opts.Fill = &sqlplan.Fill{Mode: sqlplan.FillPrevious, Interval: time.Duration(fillSec) * time.Second}
			}
			_, _ = Shape(tb, opts)
		}
	})
}
