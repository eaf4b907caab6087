package arrowipc_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/frames/arrowipc"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func ptr[T any](v T) *T { return &v }

var t0 = time.Date(2024, 1, 2, 3, 4, 5, 6_000_000, time.UTC)

// cases are frames covering every field type, nullable and not, with and
// without NULLs, labels, field config and frame meta, and edge shapes.
func cases() map[string]*data.Frame {
	raw := json.RawMessage(`{"a":[1,2]}`)
	return map[string]*data.Frame{
		"every_type": data.NewFrame("every",
			data.NewField("i8", nil, []int8{-128, 0, 127}),
			data.NewField("i16", nil, []int16{math.MinInt16, 0, math.MaxInt16}),
			data.NewField("i32", nil, []int32{math.MinInt32, 0, math.MaxInt32}),
			data.NewField("i64", nil, []int64{math.MinInt64, 0, math.MaxInt64}),
			data.NewField("u8", nil, []uint8{0, 1, math.MaxUint8}),
			data.NewField("u16", nil, []uint16{0, 1, math.MaxUint16}),
			data.NewField("u32", nil, []uint32{0, 1, math.MaxUint32}),
			data.NewField("u64", nil, []uint64{0, 1, math.MaxUint64}),
			data.NewField("f32", nil, []float32{-1.5, 0, float32(math.Inf(1))}),
			data.NewField("f64", nil, []float64{math.NaN(), -0.0, math.MaxFloat64}),
			data.NewField("b", nil, []bool{true, false, true}),
			data.NewField("t", nil, []time.Time{t0, time.Unix(0, 0).UTC(), t0.Add(time.Nanosecond)}),
			data.NewField("s", nil, []string{"", "héllo", "a\x00b"}),
			data.NewField("j", nil, []json.RawMessage{raw, json.RawMessage(`null`), json.RawMessage(`"x"`)}),
			data.NewField("e", nil, []data.EnumItemIndex{0, 2, 1}),
		),
		"every_nullable_type": data.NewFrame("nullable",
			data.NewField("i8", nil, []*int8{ptr[int8](-1), nil, ptr[int8](2)}),
			data.NewField("i16", nil, []*int16{nil, ptr[int16](3), nil}),
			data.NewField("i32", nil, []*int32{ptr[int32](4), nil, nil}),
			data.NewField("i64", nil, []*int64{nil, nil, ptr[int64](5)}),
			data.NewField("u8", nil, []*uint8{ptr[uint8](6), nil, ptr[uint8](7)}),
			data.NewField("u16", nil, []*uint16{nil, ptr[uint16](8), nil}),
			data.NewField("u32", nil, []*uint32{ptr[uint32](9), nil, nil}),
			data.NewField("u64", nil, []*uint64{nil, nil, ptr[uint64](10)}),
			data.NewField("f32", nil, []*float32{ptr[float32](1.25), nil, nil}),
			data.NewField("f64", nil, []*float64{nil, ptr(math.Inf(-1)), nil}),
			data.NewField("b", nil, []*bool{ptr(false), nil, ptr(true)}),
			data.NewField("t", nil, []*time.Time{nil, ptr(t0), nil}),
			data.NewField("s", nil, []*string{ptr(""), nil, ptr("z")}),
			data.NewField("j", nil, []*json.RawMessage{nil, &raw, nil}),
			data.NewField("e", nil, []*data.EnumItemIndex{ptr[data.EnumItemIndex](1), nil, nil}),
		),
		"nullable_without_nulls": data.NewFrame("",
			data.NewField("v", nil, []*float64{ptr(1.0), ptr(2.0)}),
			data.NewField("s", nil, []*string{ptr("a"), ptr("b")}),
		),
		"labels_config_meta": func() *data.Frame {
			f := data.NewFrame("A",
				data.NewField("time", nil, []time.Time{t0, t0.Add(time.Minute)}),
				data.NewField("value", data.Labels{"host": "web-1", "dc": "eu"}, []float64{1, 2}).
					SetConfig(&data.FieldConfig{DisplayNameFromDS: "web-1 latency", Unit: "ms", Decimals: ptr[uint16](2)}),
			)
			f.RefID = "A"
			f.Meta = &data.FrameMeta{
				Type: data.FrameTypeTimeSeriesWide, TypeVersion: data.FrameTypeVersion{0, 1},
				ExecutedQueryString:    "SELECT 1 -- ünïcode",
				Notices:                []data.Notice{{Severity: data.NoticeSeverityWarning, Text: "results truncated"}},
				Stats:                  []data.QueryStat{{FieldConfig: data.FieldConfig{DisplayName: "rows"}, Value: 2}},
				Custom:                 map[string]any{"steps": []any{map[string]any{"kind": "cap"}}},
				PreferredVisualization: data.VisTypeGraph,
			}
			return f
		}(),
		"zero_rows": data.NewFrame("empty",
			data.NewField("t", nil, []time.Time{}),
			data.NewField("s", nil, []*string{}),
			data.NewField("v", nil, []float64{}),
		),
		"no_fields": data.NewFrame("nothing"),
		"bool_bitmap_edges": data.NewFrame("bits",
			data.NewField("b", nil, []bool{true, true, true, true, true, true, true, true, false, true}),
			data.NewField("nb", nil, []*bool{nil, ptr(true), nil, ptr(false), ptr(true), nil, nil, ptr(true), ptr(true), nil}),
		),
	}
}

// decoded is the frame the SDK reads back from bytes, as JSON (schema with
// types, nullability, labels, config and meta, plus every value).
func decoded(t testing.TB, b []byte) []byte {
	t.Helper()
	f, err := data.UnmarshalArrowFrame(b)
	if err != nil {
		t.Fatalf("decoding: %v", err)
	}
	js, err := json.Marshal(f)
	if err != nil {
		t.Fatalf("frame JSON: %v", err)
	}
	return js
}

// same checks that Marshal's bytes decode to the frame MarshalArrow's
// bytes decode to, and that Go's view of the decoded frames agrees too.
func same(t testing.TB, f *data.Frame) []byte {
	t.Helper()
	want, err := f.MarshalArrow()
	if err != nil {
		t.Fatalf("MarshalArrow: %v", err)
	}
	got, err := arrowipc.Marshal(f)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	wj, gj := decoded(t, want), decoded(t, got)
	if !bytes.Equal(wj, gj) {
		t.Fatalf("decoded frames differ:\nSDK:  %s\nours: %s", wj, gj)
	}
	wf, _ := data.UnmarshalArrowFrame(want)
	gf, _ := data.UnmarshalArrowFrame(got)
	for i := range wf.Fields {
		if wf.Fields[i].Type() != gf.Fields[i].Type() {
			t.Fatalf("field %d: type %s, want %s", i, gf.Fields[i].Type(), wf.Fields[i].Type())
		}
	}
	return gj
}

func TestMarshalMatchesSDK(t *testing.T) {
	for name, f := range cases() {
		t.Run(name, func(t *testing.T) {
			js := same(t, f)
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

func TestMarshalFieldLengthMismatch(t *testing.T) {
	f := data.NewFrame("bad", data.NewField("a", nil, []int64{1, 2}), data.NewField("b", nil, []int64{1}))
	if _, err := arrowipc.Marshal(f); err == nil {
		t.Fatal("fields of different lengths: want an error")
	}
}

func TestMarshalFrames(t *testing.T) {
	fs := data.Frames{cases()["every_type"], cases()["zero_rows"]}
	bs, err := arrowipc.MarshalFrames(fs)
	if err != nil || len(bs) != 2 {
		t.Fatalf("%d frames, %v", len(bs), err)
	}
	for i, b := range bs {
		want, _ := fs[i].MarshalArrow()
		if !bytes.Equal(decoded(t, b), decoded(t, want)) {
			t.Errorf("frame %d differs", i)
		}
	}
}

// FuzzMarshal builds frames from the fuzzer's bytes (field types, NULLs,
// values, labels, names) and requires the decoded frames to be equal.
func FuzzMarshal(f *testing.F) {
	f.Add([]byte{3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Add([]byte{0})
	f.Add([]byte("\x10\xff\x00\x7fhello world\x00\x01\x02 time and text"))
	f.Fuzz(func(t *testing.T, in []byte) {
		same(t, frameFrom(in))
	})
}

// frameFrom turns bytes into a frame: the first byte is the row count, then
// each field takes a type byte and draws its values (and NULLs) from the rest.
func frameFrom(in []byte) *data.Frame {
	pos := 0
	next := func() byte {
		if len(in) == 0 {
			return 0
		}
		b := in[pos%len(in)]
		pos++
		return b
	}
	rows := int(next() % 40)
	nFields := int(next()%6) + 1
	fr := data.NewFrame(string(in[:min(len(in), 5)]))
	if next()%2 == 0 {
		fr.Meta = &data.FrameMeta{ExecutedQueryString: string(in)}
	}
	for k := range nFields {
		kind := next() % 12
		nullable := next()%2 == 0
		var fd *data.Field
		name := string(rune('a' + k))
		switch kind {
		case 0:
			fd = build(rows, nullable, next, func() int64 { return int64(next())<<56 | int64(next()) })
		case 1:
			fd = build(rows, nullable, next, func() float64 { return float64(int8(next())) / 3 })
		case 2:
			fd = build(rows, nullable, next, func() string { return string(in[:int(next())%(len(in)+1)]) })
		case 3:
			fd = build(rows, nullable, next, func() time.Time { return time.Unix(int64(next())*1e6, int64(next())*1e3).UTC() })
		case 4:
			fd = build(rows, nullable, next, func() bool { return next()%2 == 0 })
		case 5:
			fd = build(rows, nullable, next, func() uint8 { return next() })
		case 6:
			fd = build(rows, nullable, next, func() int32 { return int32(next()) - 100 })
		case 7:
			fd = build(rows, nullable, next, func() uint64 { return uint64(next()) << 40 })
		case 8:
			fd = build(rows, nullable, next, func() float32 { return float32(next()) / 7 })
		case 9:
			fd = build(rows, nullable, next, func() json.RawMessage { return json.RawMessage(`[` + string('0'+rune(next()%10)) + `]`) })
		case 10:
			fd = build(rows, nullable, next, func() int16 { return int16(next()) * 100 })
		default:
			fd = build(rows, nullable, next, func() uint32 { return uint32(next()) * 1000 })
		}
		fd.Name = name
		if next()%3 == 0 {
			fd.Labels = data.Labels{"k": string(in[:min(len(in), 3)])}
		}
		if next()%4 == 0 {
			fd.Config = &data.FieldConfig{Unit: "ms"}
		}
		fr.Fields = append(fr.Fields, fd)
	}
	return fr
}

func build[T any](rows int, nullable bool, next func() byte, val func() T) *data.Field {
	if !nullable {
		vs := make([]T, rows)
		for i := range vs {
			vs[i] = val()
		}
		return data.NewField("", nil, vs)
	}
	vs := make([]*T, rows)
	for i := range vs {
		if next()%3 != 0 {
			v := val()
			vs[i] = &v
		}
	}
	return data.NewField("", nil, vs)
}
