package arrowipc_test

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unsafe"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/frames/arrowipc"
)

// storageKinds are one kind per column storage.
var storageKinds = []frames.Kind{
	frames.KindInt8, frames.KindInt16, frames.KindInt32, frames.KindInt64,
	frames.KindUint8, frames.KindUint16, frames.KindUint32, frames.KindUint64,
	frames.KindFloat32, frames.KindFloat64, frames.KindBool, frames.KindTime,
	frames.KindString, frames.KindJSON,
}

// appendValue appends value v (a small number drawn by the caller) to a
// column of any storage.
func appendValue(t testing.TB, c frames.Column, v int) {
	switch b := c.(type) {
	case *frames.Builder[int8]:
		b.Append(int8(v))
	case *frames.Builder[int16]:
		b.Append(int16(v * 300))
	case *frames.Builder[int32]:
		b.Append(int32(v) * 70_000)
	case *frames.Builder[int64]:
		b.Append(int64(v) << 40)
	case *frames.Builder[uint8]:
		b.Append(uint8(v))
	case *frames.Builder[uint16]:
		b.Append(uint16(v) * 250)
	case *frames.Builder[uint32]:
		b.Append(uint32(v) * 16_000_000)
	case *frames.Builder[uint64]:
		b.Append(uint64(v) << 56)
	case *frames.Builder[float32]:
		b.Append(float32(v) / 3)
	case *frames.Builder[float64]:
		if v%11 == 0 {
			b.Append(math.NaN())
		} else {
			b.Append(float64(v) / 7)
		}
	case *frames.Builder[bool]:
		b.Append(v%2 == 0)
	case *frames.Times:
		b.Append(t0.Add(time.Duration(v) * 1001 * time.Microsecond))
	case *frames.Strings:
		b.Append(string([]byte("héllo\x00wörld")[:v%14]))
	case *frames.JSONs:
		b.AppendBytes([]byte(`{"v":` + string(rune('0'+v%10)) + `}`))
	default:
		t.Fatalf("unknown column %T", c)
	}
}

// tableOf builds a table of every storage from draw: the row count, then
// per row and column whether it is NULL and its value.
func tableOf(t testing.TB, rows int, kinds []frames.Kind, null func(r, c int) bool, val func(r, c int) int) *frames.Table {
	specs := make([]frames.ColumnSpec, len(kinds))
	for i, k := range kinds {
		specs[i] = frames.ColumnSpec{Name: k.String(), Kind: k}
	}
	tb := frames.NewTable(specs, frames.TableOptions{})
	for r := range rows {
		for c, col := range tb.Columns() {
			if null(r, c) {
				col.AppendNull()
			} else {
				appendValue(t, col, val(r, c))
			}
		}
	}
	if err := tb.Commit(rows); err != nil {
		t.Fatal(err)
	}
	return tb
}

// sameTable checks that MarshalTable's bytes decode to the frame the SDK's
// encoder gives for the same table (frames.Shape, table format), and
// returns them as JSON.
func sameTable(t testing.TB, tb *frames.Table) []byte {
	t.Helper()
	fr, err := frames.Shape(tb, frames.ShapeOptions{Name: "A"})
	if err != nil {
		t.Fatal(err)
	}
	want := fr[0]
	want.RefID = "A"
	frames.SetMeta(fr, frames.Meta{ExecutedSQL: "SELECT *", Rows: int64(tb.Len())})
	head := frames.TableFrameHead(tb, "A")
	head.RefID = "A"
	frames.SetMeta([]*data.Frame{head}, frames.Meta{ExecutedSQL: "SELECT *", Rows: int64(tb.Len())})
	wb, err := want.MarshalArrow()
	if err != nil {
		t.Fatalf("MarshalArrow: %v", err)
	}
	gb, err := arrowipc.MarshalTable(head, tb)
	if err != nil {
		t.Fatalf("MarshalTable: %v", err)
	}
	wj, gj := decoded(t, wb), decoded(t, gb)
	if !bytes.Equal(wj, gj) {
		t.Fatalf("decoded frames differ:\nSDK:  %s\nours: %s", wj, gj)
	}
	wf, _ := data.UnmarshalArrowFrame(wb)
	gf, _ := data.UnmarshalArrowFrame(gb)
	if len(wf.Fields) != len(gf.Fields) {
		t.Fatalf("%d fields, want %d", len(gf.Fields), len(wf.Fields))
	}
	for i := range wf.Fields {
		if wf.Fields[i].Type() != gf.Fields[i].Type() {
			t.Fatalf("field %d: type %s, want %s", i, gf.Fields[i].Type(), wf.Fields[i].Type())
		}
	}
	return gj
}

func tableCases(t testing.TB) map[string]*frames.Table {
	never := func(int, int) bool { return false }
	return map[string]*frames.Table{
		"table_every_storage": tableOf(t, 5, storageKinds, never, func(r, c int) int { return r*3 + c }),
		"table_every_storage_nulls": tableOf(t, 70, storageKinds,
			func(r, c int) bool { return (r+c)%3 == 0 || r == 69 }, func(r, c int) int { return r + c }),
		"table_all_null":   tableOf(t, 9, storageKinds, func(int, int) bool { return true }, nil),
		"table_zero_rows":  tableOf(t, 0, storageKinds, never, nil),
		"table_no_columns": tableOf(t, 0, nil, never, nil),
		"table_capped": func() *frames.Table {
			tb := frames.NewTable([]frames.ColumnSpec{{Name: "t", Kind: frames.KindTime}, {Name: "s", Kind: frames.KindString}},
				frames.TableOptions{MaxRows: 3})
			for r := range 5 {
				if tb.Room() == 0 {
					tb.MarkTruncated()
					break
				}
				appendValue(t, tb.Column(0), r)
				tb.Column(1).AppendNull()
				if err := tb.Commit(1); err != nil {
					t.Fatal(err)
				}
			}
			return tb
		}(),
	}
}

func TestMarshalTableMatchesSDK(t *testing.T) {
	for name, tb := range tableCases(t) {
		t.Run(name, func(t *testing.T) {
			js := sameTable(t, tb)
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, js, "", "  "); err != nil {
				t.Fatal(err)
			}
			pretty.WriteByte('\n')
			path := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			golden, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(golden, pretty.Bytes()) {
				t.Errorf("%s differs from the decoded frame:\n%s", path, pretty.String())
			}
		})
	}
}

// TestMarshalTableKeepsTheTable checks that encoding reads the columns
// without changing them: a second encoding gives the same bytes.
func TestMarshalTableKeepsTheTable(t *testing.T) {
	tb := tableCases(t)["table_every_storage_nulls"]
	head := frames.TableFrameHead(tb, "A")
	a, err := arrowipc.MarshalTable(head, tb)
	if err != nil {
		t.Fatal(err)
	}
	b, err := arrowipc.MarshalTable(head, tb)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("a second encoding differs")
	}
}

// FuzzMarshalTable builds tables of the fuzzer's columns, NULLs and values
// and requires MarshalTable's and MarshalChunk's bytes to decode to the SDK
// path's frames.
func FuzzMarshalTable(f *testing.F) {
	f.Add([]byte{3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Add([]byte{0})
	f.Add([]byte("\x41\x0d\x00\x7fhello world\x00\x01\x02 time and text"))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		at := func(i int) int { return int(in[i%len(in)]) }
		rows := at(0) % 130
		kinds := make([]frames.Kind, at(1)%6+1)
		for i := range kinds {
			kinds[i] = storageKinds[at(2+i)%len(storageKinds)]
		}
		tb := tableOf(t, rows, kinds,
			func(r, c int) bool { return at(r*7+c*3+5)%(c+2) == 0 },
			func(r, c int) int { return at(r*5 + c + 11) })
		sameTable(t, tb)
		sameChunk(t, tb)
	})
}

// TestMarshalTableSegments: the pieces concatenated are MarshalTable's
// bytes, and a large column buffer is referenced, not copied.
func TestMarshalTableSegments(t *testing.T) {
	cases := tableCases(t)
	cases["large"] = tableOf(t, 20_000, []frames.Kind{frames.KindTime, frames.KindString, frames.KindFloat64, frames.KindBool},
		func(r, c int) bool { return c == 2 && r%5 == 0 }, func(r, c int) int { return r*7 + c })
	for name, tb := range cases {
		t.Run(name, func(t *testing.T) {
			head := frames.TableFrameHead(tb, "A")
			want, err := arrowipc.MarshalTable(head, tb)
			if err != nil {
				t.Fatal(err)
			}
			segs, err := arrowipc.MarshalTableSegments(head, tb)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(segs.Bytes(), want) || segs.Len() != len(want) {
				t.Fatalf("pieces (%d bytes in %d) differ from MarshalTable's %d bytes", segs.Len(), len(segs), len(want))
			}
			if name != "large" {
				return
			}
			times := tb.Column(0).(*frames.Times).Values()
			referenced := false
			for _, p := range segs {
				if len(p) > 0 && &p[0] == (*byte)(unsafe.Pointer(&times[0])) {
					referenced = true
				}
			}
			if !referenced || len(segs) < 3 {
				t.Fatalf("the time column's buffer is not referenced (%d pieces)", len(segs))
			}
		})
	}
}

// TestMarshalChunkMatchesChunkFrame: a chunk encoded straight from the
// table decodes to the frame the SDK's encoder gives for
// frames.ChunkFrame (every field nullable, JSON as it is), with the same
// field types, for every storage with and without NULLs.
func TestMarshalChunkMatchesChunkFrame(t *testing.T) {
	for name, tb := range tableCases(t) {
		t.Run(name, func(t *testing.T) { sameChunk(t, tb) })
	}
}

// sameChunk checks that MarshalChunk's bytes decode to the frame the SDK's
// encoder gives for frames.ChunkFrame, with the same field types.
func sameChunk(t testing.TB, tb *frames.Table) {
	t.Helper()
	want, err := frames.ChunkFrame(tb, frames.ShapeOptions{Name: "A"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want.RefID = "A"
	want.Meta.ExecutedQueryString = "SELECT *"
	head := frames.TableFrameHead(tb, "A")
	head.RefID = "A"
	head.Meta.ExecutedQueryString = "SELECT *"
	wb, err := want.MarshalArrow()
	if err != nil {
		t.Fatal(err)
	}
	gb, err := arrowipc.MarshalChunk(head, tb)
	if err != nil {
		t.Fatal(err)
	}
	if wj, gj := decoded(t, wb), decoded(t, gb); !bytes.Equal(wj, gj) {
		t.Fatalf("decoded frames differ:\nSDK:  %s\nours: %s", wj, gj)
	}
	wf, _ := data.UnmarshalArrowFrame(wb)
	gf, _ := data.UnmarshalArrowFrame(gb)
	for i := range wf.Fields {
		if wf.Fields[i].Type() != gf.Fields[i].Type() {
			t.Fatalf("field %d: type %s, want %s", i, gf.Fields[i].Type(), wf.Fields[i].Type())
		}
	}
}
