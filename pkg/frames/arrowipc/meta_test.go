package arrowipc

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/frames/framestest"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

type customMeta struct {
	Steps    []string `json:"steps,omitempty"`
	JobID    string   `json:"jobId,omitempty"`
	MaxRows  int64    `json:"maxRows,omitempty"`
	CacheHit bool     `json:"cacheHit,omitempty"`
}

type rawCustom struct{}

func (rawCustom) MarshalJSON() ([]byte, error) { return []byte(`{ "a" : "<b>" }`), nil }

func stat(name, unit string, v float64) data.QueryStat {
	return data.QueryStat{FieldConfig: data.FieldConfig{DisplayName: name, Unit: unit}, Value: v}
}

// TestMarshalMetaMatchesJSON: marshalMeta's bytes are json.Marshal's, for
// the metas it writes itself and for those it leaves to json.Marshal.
func TestMarshalMetaMatchesJSON(t *testing.T) {
	dec := uint16(2)
	var nilCustom *customMeta
	cases := []struct {
		name string
		meta data.FrameMeta
		own  bool // written by appendMeta, not json.Marshal
	}{
		{"empty", data.FrameMeta{}, true},
		{"a query's meta", data.FrameMeta{
			ExecutedQueryString: "SELECT ts, v FROM t WHERE ts >= '2024-01-01' AND x <> 'a&b'\n\t-- \"c\" \\",
			Stats:               []data.QueryStat{stat("Rows", "short", 1), stat("Duration", "ms", 0.123), stat("Cache hit", "bool", 0)},
			Custom:              customMeta{Steps: []string{"<pushdown>"}, MaxRows: 1_000_000},
			Notices:             []data.Notice{{Severity: data.NoticeSeverityWarning, Text: "row cap <reached> & cut"}, {Severity: data.NoticeSeverityInfo, Text: ""}},
		}, true},
		{"a time series", data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1},
			PreferredVisualization: data.VisTypeGraph, ExecutedQueryString: "x", DataTopic: data.DataTopicAnnotations}, true},
		{"unicode and controls", data.FrameMeta{ExecutedQueryString: "SELECT 'héllo ✓ 日本', '\x00\x1f', 'a\u2028b', '\xff'"}, true},
		{"a stat without a name or unit", data.FrameMeta{Stats: []data.QueryStat{{Value: 5}}}, true},
		{"Quarry's custom", data.FrameMeta{ExecutedQueryString: "SELECT 1", Custom: frames.Custom{JobID: "<j>", MaxRows: 5,
			Steps: []sqlplan.Step{{Kind: "limit", Detail: "LIMIT 5", Span: &sqlplan.Span{Start: 1, End: 2}}}}}, true},
		{"a pointer custom", data.FrameMeta{Custom: &customMeta{JobID: "j"}}, true},
		{"a nil pointer custom", data.FrameMeta{Custom: nilCustom}, true},
		{"a custom that marshals itself", data.FrameMeta{Custom: rawCustom{}}, true},
		{"a map custom", data.FrameMeta{Custom: map[string]any{"z": 1, "a": []int{1}}}, true},
		{"an unknown severity", data.FrameMeta{Notices: []data.Notice{{Severity: 9, Text: "t"}}}, true},
		// Left to json.Marshal.
		{"a path", data.FrameMeta{Path: "p", ExecutedQueryString: "x"}, false},
		{"a channel", data.FrameMeta{Channel: "ds/x"}, false},
		{"row id fields", data.FrameMeta{UniqueRowIDFields: []int{0, 2}}, false},
		{"empty row id fields", data.FrameMeta{UniqueRowIDFields: []int{}}, false},
		{"a visualisation plugin", data.FrameMeta{PreferredVisualizationPluginID: "x"}, false},
		{"a stat with decimals", data.FrameMeta{Stats: []data.QueryStat{{FieldConfig: data.FieldConfig{DisplayName: "x", Decimals: &dec}, Value: 1}}}, false},
		{"a notice with a link", data.FrameMeta{Notices: []data.Notice{{Severity: data.NoticeSeverityError, Text: "t", Link: "http://x"}}}, false},
		{"a notice to inspect", data.FrameMeta{Notices: []data.Notice{{Text: "t", Inspect: data.InspectTypeData}}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := c.meta
			want, err := json.Marshal(&m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := marshalMeta(&m)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("marshalMeta:\n got %s\nwant %s", got, want)
			}
			if _, own := appendMeta(nil, &m); own != c.own {
				t.Errorf("written by appendMeta: %v, want %v", own, c.own)
			}
		})
	}

	// A stat that is not finite is an error, as from json.Marshal.
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		m := data.FrameMeta{Stats: []data.QueryStat{stat("x", "", v)}}
		if _, err := marshalMeta(&m); err == nil {
			t.Errorf("stat value %v: no error", v)
		}
	}
}

// BenchmarkMarshalMeta: a query's frame meta, by marshalMeta and by
// json.Marshal.
func BenchmarkMarshalMeta(b *testing.B) {
	m := &data.FrameMeta{
		ExecutedQueryString: "SELECT 1",
		Stats:               []data.QueryStat{stat("Rows", "short", 1), stat("Duration", "ms", 0.42), stat("Cache hit", "bool", 0)},
		Custom:              frames.Custom{MaxRows: 1_000_000},
	}
	b.Run("quarry", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := marshalMeta(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestMetaFieldsKnown: appendMeta and onlyNameAndUnit name every field of
// FrameMeta and FieldConfig; a field a later SDK adds must be added there
// (or the meta left to json.Marshal) before this test passes again.
func TestMetaFieldsKnown(t *testing.T) {
	framestest.CheckFieldNames(t, data.FrameMeta{}, "Type", "TypeVersion", "Path", "PathSeparator", "Custom", "Stats", "Notices", "Channel",
		"PreferredVisualization", "PreferredVisualizationPluginID", "ExecutedQueryString", "DataTopic", "UniqueRowIDFields")
	framestest.CheckFieldNames(t, data.FieldConfig{}, "DisplayName", "DisplayNameFromDS", "Path", "Description", "Filterable", "Writeable", "Unit",
		"Decimals", "Min", "Max", "Interval", "Mappings", "Thresholds", "Color", "Links", "NoValue", "TypeConfig", "Custom")
	framestest.CheckFieldNames(t, data.QueryStat{}, "FieldConfig", "Value")
	framestest.CheckFieldNames(t, data.Notice{}, "Severity", "Text", "Link", "Inspect")
}
