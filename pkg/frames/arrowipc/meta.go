package arrowipc

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/jsonenc"
)

// marshalMeta returns json.Marshal(m): the frame meta Grafana reads from
// the IPC file's metadata. The meta a query's frames carry (frames.SetMeta:
// the executed SQL, stats named with a unit, Quarry's custom object, notices
// with a severity and a text, a frame type and visualisation) is written
// here field by field; encoding/json walks every field of the stats'
// FieldConfig by reflection, about 12 µs of a SELECT 1 over gRPC. Any other
// meta, and any value written differently (a float that is not finite),
// goes to json.Marshal; TestMarshalMetaMatchesJSON holds the two to the
// same bytes.
func marshalMeta(m *data.FrameMeta) ([]byte, error) {
	if b, ok := appendMeta(make([]byte, 0, 512), m); ok {
		return b, nil
	}
	return json.Marshal(m)
}

// appendMeta appends the JSON of m in FrameMeta's field order, with its
// omitempty rules, and reports false for a meta it does not write.
func appendMeta(b []byte, m *data.FrameMeta) ([]byte, bool) {
	// The fields not written below must be empty (TestMetaFieldsKnown
	// fails when the SDK adds one, so that it is added here).
	if m.Path != "" || m.PathSeparator != "" || m.Channel != "" || m.PreferredVisualizationPluginID != "" || m.UniqueRowIDFields != nil {
		return b, false
	}
	b = append(b, '{')
	if m.Type != "" {
		b = jsonenc.AppendString(append(b, `"type":`...), string(m.Type))
		b = append(b, ',')
	}
	b = append(b, `"typeVersion":[`...)
	b = strconv.AppendUint(b, uint64(m.TypeVersion[0]), 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(m.TypeVersion[1]), 10)
	b = append(b, ']')
	switch c := m.Custom.(type) {
	case nil:
	case frames.Custom: // what frames.SetMeta sets
		b = c.AppendJSON(append(b, `,"custom":`...))
	default:
		j, err := json.Marshal(c)
		if err != nil {
			return b, false
		}
		b = append(append(b, `,"custom":`...), j...)
	}
	if len(m.Stats) > 0 {
		b = append(b, `,"stats":[`...)
		for i, s := range m.Stats {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendStat(b, s); !ok {
				return b, false
			}
		}
		b = append(b, ']')
	}
	if len(m.Notices) > 0 {
		b = append(b, `,"notices":[`...)
		for i, n := range m.Notices {
			if n.Link != "" || n.Inspect != 0 {
				return b, false
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonenc.AppendString(append(b, `{"severity":`...), n.Severity.String())
			b = jsonenc.AppendString(append(b, `,"text":`...), n.Text)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if m.PreferredVisualization != "" {
		b = jsonenc.AppendString(append(b, `,"preferredVisualisationType":`...), string(m.PreferredVisualization))
	}
	if m.ExecutedQueryString != "" {
		b = jsonenc.AppendString(append(b, `,"executedQueryString":`...), m.ExecutedQueryString)
	}
	if m.DataTopic != "" {
		b = jsonenc.AppendString(append(b, `,"dataTopic":`...), string(m.DataTopic))
	}
	return append(b, '}'), true
}

// appendStat appends a stat that has only a display name, a unit and a
// value.
func appendStat(b []byte, s data.QueryStat) ([]byte, bool) {
	if !onlyNameAndUnit(&s.FieldConfig) || math.IsInf(s.Value, 0) || math.IsNaN(s.Value) {
		return b, false
	}
	b = append(b, '{')
	if s.DisplayName != "" {
		b = jsonenc.AppendString(append(b, `"displayName":`...), s.DisplayName)
		b = append(b, ',')
	}
	if s.Unit != "" {
		b = jsonenc.AppendString(append(b, `"unit":`...), s.Unit)
		b = append(b, ',')
	}
	b = jsonenc.AppendFloat(append(b, `"value":`...), s.Value)
	return append(b, '}'), true
}

// onlyNameAndUnit reports whether c sets nothing but a display name and a
// unit (TestMetaFieldsKnown fails when the SDK adds a field).
func onlyNameAndUnit(c *data.FieldConfig) bool {
	return c.DisplayNameFromDS == "" && c.Path == "" && c.Description == "" && c.Filterable == nil && c.Writeable == nil &&
		c.Decimals == nil && c.Min == nil && c.Max == nil && c.Interval == 0 && c.Mappings == nil && c.Thresholds == nil &&
		c.Color == nil && c.Links == nil && c.NoValue == "" && c.TypeConfig == nil && c.Custom == nil
}
