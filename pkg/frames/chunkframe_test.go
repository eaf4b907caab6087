package frames_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/frames/framestest"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// fillLogTable appends n rows (time ascending, level, message with a NULL
// every 5th row, value with a NULL every 4th) in pages of page rows.
func fillLogTable(t *testing.T, tb *frames.Table, n, page int) {
	t.Helper()
	ts := tb.Column(0).(*frames.Times)
	level := tb.Column(1).(*frames.Strings)
	msg := tb.Column(2).(*frames.Strings)
	val := tb.Column(3).(*frames.Builder[float64])
	base := time.Date(2024, 1, 30, 0, 0, 0, 0, time.UTC)
	for done := 0; done < n && tb.Room() > 0; {
		k := min(page, n-done, tb.Room())
		for i := done; i < done+k; i++ {
			ts.Append(base.Add(time.Duration(i) * time.Second))
			level.AppendBytes([]byte([]string{"info", "warn", "error"}[i%3]))
			if i%5 == 0 {
				msg.AppendNull()
			} else {
				msg.AppendBytes([]byte(fmt.Sprintf("line %d", i)))
			}
			if i%4 == 0 {
				val.AppendNull()
			} else {
				val.Append(float64(i) / 2)
			}
		}
		if err := tb.Commit(k); err != nil {
			t.Fatal(err)
		}
		done += k
	}
}

var logSpecs = []frames.ColumnSpec{
	{Name: "time", Kind: frames.KindTime}, {Name: "level", Kind: frames.KindString},
	{Name: "message", Kind: frames.KindString}, {Name: "value", Kind: frames.KindFloat64},
}

// roundTrip encodes and decodes a frame as the chunked writer and Grafana
// do (the chunk's values are reused once Flush returns).
func roundTrip(t *testing.T, f *data.Frame) *data.Frame {
	t.Helper()
	b, err := f.MarshalArrow()
	if err != nil {
		t.Fatal(err)
	}
	out, err := data.UnmarshalArrowFrame(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func appendChunk(t *testing.T, into **data.Frame, f *data.Frame) {
	t.Helper()
	if *into == nil {
		*into = f
		return
	}
	if len(f.Fields) != len((*into).Fields) {
		t.Fatalf("chunk has %d fields, want %d", len(f.Fields), len((*into).Fields))
	}
	for i, fd := range f.Fields {
		if fd.Type() != (*into).Fields[i].Type() {
			t.Fatalf("field %q: chunk type %s, first chunk %s", fd.Name, fd.Type(), (*into).Fields[i].Type())
		}
		(*into).Fields[i].AppendAll(fd)
	}
	(*into).Meta = f.Meta
}

func TestChunkFrameReassemblesToShape(t *testing.T) {
	for _, tc := range []struct {
		format  sqlplan.Format
		maxRows int64
	}{
		{sqlplan.FormatTable, 0}, {sqlplan.FormatTable, 1234},
		{sqlplan.FormatLogs, 0}, {sqlplan.FormatTimeSeriesLong, 0}, {sqlplan.FormatTimeSeriesLong, 777},
	} {
		t.Run(fmt.Sprintf("%s cap %d", tc.format, tc.maxRows), func(t *testing.T) {
			opts := frames.ShapeOptions{Format: tc.format, Name: "A"}
			whole := frames.NewTable(logSpecs, frames.TableOptions{MaxRows: tc.maxRows})
			fillLogTable(t, whole, 3000, 128)
			want, err := frames.Shape(whole, opts)
			if err != nil {
				t.Fatal(err)
			}
			var got *data.Frame
			chunks := 0
			flush := func(tb *frames.Table) error {
				f, err := frames.ChunkFrame(tb, opts, tb.Flushed())
				if err != nil {
					return err
				}
				chunks++
				appendChunk(t, &got, roundTrip(t, f))
				return nil
			}
			tb := frames.NewTable(logSpecs, frames.TableOptions{MaxRows: tc.maxRows, Chunk: frames.Chunking{Rows: 500, Flush: flush}})
			fillLogTable(t, tb, 3000, 128)
			if err := flush(tb); err != nil { // the last chunk
				t.Fatal(err)
			}
			if chunks < 2 {
				t.Fatalf("%d chunks, want several", chunks)
			}
			if err := framestest.EqualValues(got, want[0]); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got.Meta.Notices) != fmt.Sprint(want[0].Meta.Notices) {
				t.Fatalf("last chunk's notices %v, want %v", got.Meta.Notices, want[0].Meta.Notices)
			}
		})
	}
}

func TestSliceFrameReassembles(t *testing.T) {
	whole := frames.NewTable(logSpecs, frames.TableOptions{})
	fillLogTable(t, whole, 1000, 100)
	fr, err := frames.Shape(whole, frames.ShapeOptions{Format: sqlplan.FormatTimeSeries, Name: "A"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fr {
		var got *data.Frame
		for from := 0; from < f.Rows(); from += 300 {
			appendChunk(t, &got, roundTrip(t, frames.SliceFrame(f, from, min(from+300, f.Rows()))))
		}
		if err := framestest.EqualValues(got, f); err != nil {
			t.Fatal(err)
		}
	}
}
