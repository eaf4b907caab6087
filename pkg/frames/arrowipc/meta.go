package arrowipc

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/grafana/grafana-plugin-sdk-go/data"
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
		b = appendString(append(b, `"type":`...), string(m.Type))
		b = append(b, ',')
	}
	b = append(b, `"typeVersion":[`...)
	b = strconv.AppendUint(b, uint64(m.TypeVersion[0]), 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(m.TypeVersion[1]), 10)
	b = append(b, ']')
	if m.Custom != nil {
		c, err := json.Marshal(m.Custom)
		if err != nil {
			return b, false
		}
		b = append(append(b, `,"custom":`...), c...)
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
			b = appendString(append(b, `{"severity":`...), n.Severity.String())
			b = appendString(append(b, `,"text":`...), n.Text)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if m.PreferredVisualization != "" {
		b = appendString(append(b, `,"preferredVisualisationType":`...), string(m.PreferredVisualization))
	}
	if m.ExecutedQueryString != "" {
		b = appendString(append(b, `,"executedQueryString":`...), m.ExecutedQueryString)
	}
	if m.DataTopic != "" {
		b = appendString(append(b, `,"dataTopic":`...), string(m.DataTopic))
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
		b = appendString(append(b, `"displayName":`...), s.DisplayName)
		b = append(b, ',')
	}
	if s.Unit != "" {
		b = appendString(append(b, `"unit":`...), s.Unit)
		b = append(b, ',')
	}
	b = appendFloat(append(b, `"value":`...), s.Value)
	return append(b, '}'), true
}

// onlyNameAndUnit reports whether c sets nothing but a display name and a
// unit (TestMetaFieldsKnown fails when the SDK adds a field).
func onlyNameAndUnit(c *data.FieldConfig) bool {
	return c.DisplayNameFromDS == "" && c.Path == "" && c.Description == "" && c.Filterable == nil && c.Writeable == nil &&
		c.Decimals == nil && c.Min == nil && c.Max == nil && c.Interval == 0 && c.Mappings == nil && c.Thresholds == nil &&
		c.Color == nil && c.Links == nil && c.NoValue == "" && c.TypeConfig == nil && c.Custom == nil
}

// appendFloat appends a finite f as encoding/json writes a float64: the
// shortest decimal, in exponent form below 1e-6 and from 1e21, with a
// one-digit negative exponent not zero-padded.
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendString appends s as encoding/json quotes it (HTML characters
// escaped): printable ASCII other than the quote, the backslash and <, >, &
// as it is, anything else by encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
