package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"google.golang.org/protobuf/proto"

	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/frames/arrowipc"
)

func ptrTo[T any](v T) *T { return &v }

// chunkSequence writes a chunked answer as the Service writes one: two
// queries, the first frame in two chunks (schema and executed SQL on the
// first, the full meta on the last), a frame of every type, an empty frame
// and an error.
func chunkSequence(t *testing.T, w backend.ChunkedDataWriter) {
	t.Helper()
	t0 := time.Date(2024, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	raw := json.RawMessage(`{"a":[1,2]}`)
	first := data.NewFrame("A",
		data.NewField("time", nil, []*time.Time{ptrTo(t0), nil}),
		data.NewField("host", nil, []*string{ptrTo("web-1"), nil}),
		data.NewField("v", data.Labels{"dc": "eu"}, []*float64{ptrTo(1.5), ptrTo(math.Inf(1))}),
	)
	first.Meta = &data.FrameMeta{Type: data.FrameTypeTable, ExecutedQueryString: "SELECT ts, host, v FROM t"}
	last := data.NewFrame("A",
		data.NewField("time", nil, []*time.Time{ptrTo(t0.Add(time.Minute))}),
		data.NewField("host", nil, []*string{ptrTo("wéb-2")}),
		data.NewField("v", data.Labels{"dc": "eu"}, []*float64{nil}),
	)
	last.Meta = &data.FrameMeta{Type: data.FrameTypeTable, ExecutedQueryString: "SELECT ts, host, v FROM t",
		Notices: []data.Notice{{Severity: data.NoticeSeverityWarning, Text: "results truncated at 3 rows"}},
		Stats:   []data.QueryStat{{FieldConfig: data.FieldConfig{DisplayName: "rows"}, Value: 3}},
		Custom:  map[string]any{"steps": []any{map[string]any{"kind": "cap", "detail": "LIMIT 3"}}}}
	every := data.NewFrame("B",
		data.NewField("i8", nil, []int8{-128, 127}), data.NewField("i16", nil, []int16{math.MinInt16, 1}),
		data.NewField("i32", nil, []*int32{nil, ptrTo[int32](4)}), data.NewField("i64", nil, []int64{math.MinInt64, math.MaxInt64}),
		data.NewField("u8", nil, []uint8{0, 255}), data.NewField("u16", nil, []*uint16{ptrTo[uint16](9), nil}),
		data.NewField("u32", nil, []uint32{0, math.MaxUint32}), data.NewField("u64", nil, []*uint64{nil, ptrTo(uint64(math.MaxUint64))}),
		data.NewField("f32", nil, []float32{-1.5, 0}), data.NewField("b", nil, []*bool{ptrTo(true), nil}),
		data.NewField("t", nil, []time.Time{t0, time.Unix(0, 0).UTC()}), data.NewField("s", nil, []string{"", "a\x00b"}),
		data.NewField("j", nil, []*json.RawMessage{&raw, nil}),
	)
	every.Fields[3].SetConfig(&data.FieldConfig{Unit: "ms", DisplayNameFromDS: "n"})
	ctx := context.Background()
	for _, c := range []struct {
		ref, id string
		f       *data.Frame
	}{{"A", "0", first}, {"A", "0", last}, {"B", "0", every}, {"B", "1", data.NewFrame("empty", data.NewField("s", nil, []string{}))}} {
		if err := w.WriteFrame(ctx, c.ref, c.id, c.f); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteError(ctx, "C", backend.StatusBadRequest, errors.New("query C: syntax error at line 1, column 8")); err != nil {
		t.Fatal(err)
	}
}

// TestChunkWriterMatchesSDK: the DataServer's chunk writer sends the same
// replies as the SDK's ChunkedDataWriter (refId, frameId, status, format,
// errors) and Arrow chunk bytes that decode to the frames the SDK's bytes
// decode to; JSON chunks are the SDK's exactly.
func TestChunkWriterMatchesSDK(t *testing.T) {
	for _, format := range []backend.DataFrameFormat{backend.DataFrameFormat_ARROW, backend.DataFrameFormat_JSON} {
		var sdk, ours []*pluginv2.QueryChunkedDataResponse
		chunkSequence(t, backend.NewChunkedDataWriter(format, func(c *pluginv2.QueryChunkedDataResponse) error {
			sdk = append(sdk, c)
			return nil
		}))
		chunkSequence(t, newChunkWriter(format, func(c *pluginv2.QueryChunkedDataResponse) error {
			ours = append(ours, c)
			return nil
		}))
		if len(ours) != len(sdk) {
			t.Fatalf("format %d: %d replies, want %d", format, len(ours), len(sdk))
		}
		for i := range sdk {
			g, w := ours[i], sdk[i]
			if format == backend.DataFrameFormat_ARROW && len(w.Frame) > 0 {
				if frameJSON(t, [][]byte{g.Frame}) != frameJSON(t, [][]byte{w.Frame}) {
					t.Errorf("reply %d: frames differ:\n%s\nwant\n%s", i, frameJSON(t, [][]byte{g.Frame}), frameJSON(t, [][]byte{w.Frame}))
				}
				g, w = proto.Clone(g).(*pluginv2.QueryChunkedDataResponse), proto.Clone(w).(*pluginv2.QueryChunkedDataResponse)
				g.Frame, w.Frame = nil, nil
			}
			if !proto.Equal(g, w) {
				t.Errorf("format %d reply %d: %v, want %v", format, i, g, w)
			}
		}
	}
}

func TestChunkWriterRefusals(t *testing.T) {
	w := newChunkWriter(backend.DataFrameFormat_ARROW, func(*pluginv2.QueryChunkedDataResponse) error { return nil })
	ctx := context.Background()
	if err := w.WriteFrame(ctx, "", "0", data.NewFrame("")); err == nil {
		t.Error("no refId: want an error, as the SDK's writer gives")
	}
	if err := w.WriteFrame(ctx, "A", "", data.NewFrame("")); err == nil {
		t.Error("no frameId: want an error, as the SDK's writer gives")
	}
	j := newChunkWriter(backend.DataFrameFormat_JSON, func(*pluginv2.QueryChunkedDataResponse) error { return nil })
	if err := j.WriteEncoded(ctx, "A", "0", []byte("x")); err == nil || j.Arrow() {
		t.Error("Arrow bytes on a JSON stream: want an error")
	}
}

// TestTableChunkFrameAndArrowAgree: a streamed table chunk gives the same
// frame whether it is encoded straight from the table (Arrow writers) or
// turned into a frame first (other writers), NULLs, notices and meta
// included.
func TestTableChunkFrameAndArrowAgree(t *testing.T) {
	tb := frames.NewTable([]frames.ColumnSpec{{Name: "time", Kind: frames.KindTime}, {Name: "host", Kind: frames.KindString},
		{Name: "n", Kind: frames.KindInt64}, {Name: "ok", Kind: frames.KindBool}, {Name: "doc", Kind: frames.KindJSON}}, frames.TableOptions{MaxRows: 3})
	t0 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for r := range 4 {
		if tb.Room() == 0 {
			tb.MarkTruncated()
			break
		}
		tb.Column(0).(*frames.Times).Append(t0.Add(time.Duration(r) * time.Minute))
		if r == 1 {
			tb.Column(1).AppendNull()
		} else {
			tb.Column(1).(*frames.Strings).Append("wéb-" + string(rune('0'+r)))
		}
		tb.Column(2).(*frames.Builder[int64]).Append(int64(r) << 40)
		tb.Column(3).(*frames.Builder[bool]).Append(r%2 == 0)
		tb.Column(4).(*frames.JSONs).AppendBytes([]byte(`{"r":1}`))
		if err := tb.Commit(1); err != nil {
			t.Fatal(err)
		}
	}
	head := frames.TableFrameHead(tb, "A")
	head.Meta.ExecutedQueryString = "SELECT *"
	c := Chunk{head: head, table: tb}
	f, err := c.Frame()
	if err != nil {
		t.Fatal(err)
	}
	f.RefID = "A"
	want, err := arrowipc.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Arrow("A")
	if err != nil {
		t.Fatal(err)
	}
	wf, err := data.UnmarshalArrowFrame(want)
	if err != nil {
		t.Fatal(err)
	}
	gf, err := data.UnmarshalArrowFrame(got)
	if err != nil {
		t.Fatal(err)
	}
	wj, _ := json.Marshal(wf)
	gj, _ := json.Marshal(gf)
	if string(wj) != string(gj) {
		t.Fatalf("frames differ:\nframe: %s\narrow: %s", wj, gj)
	}
	if len(gf.Meta.Notices) != 1 || gf.RefID != "A" {
		t.Fatalf("meta %+v refId %q", gf.Meta, gf.RefID)
	}
	for i, fd := range gf.Fields {
		if want := wf.Fields[i].Type(); fd.Type() != want || (i < 4 && !fd.Type().Nullable()) {
			t.Errorf("field %s: %s, want %s (nullable)", fd.Name, fd.Type(), want)
		}
	}
}
