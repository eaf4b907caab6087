package frames

import (
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/jsonenc"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// Meta is what SetMeta records on frames.
type Meta struct {
	// ExecutedSQL is the final SQL sent to the engine.
	ExecutedSQL    string
	Rows           int64
	BytesProcessed int64
	BytesBilled    int64
	USD            float64
	Duration       time.Duration
	CacheHit       bool
	JobID          string
	Steps          []sqlplan.Step
	Warnings       []sqlplan.Warning
	// Truncated and MaxRows describe the row cap; MaxBytes is set when the
	// byte cap cut the result.
	Truncated bool
	MaxRows   int64
	MaxBytes  int64
}

// Custom is the frame meta Custom payload.
type Custom struct {
	Steps     []sqlplan.Step    `json:"steps,omitempty"`
	Warnings  []sqlplan.Warning `json:"warnings,omitempty"`
	JobID     string            `json:"jobId,omitempty"`
	Truncated bool              `json:"truncated,omitempty"`
	MaxRows   int64             `json:"maxRows,omitempty"`
	MaxBytes  int64             `json:"maxBytes,omitempty"`
	CacheHit  bool              `json:"cacheHit,omitempty"`
}

// AppendJSON appends c's JSON, byte for byte as json.Marshal writes it
// (TestCustomAppendJSON): the frame meta of every query carries it
// (arrowipc writes the meta without reflection).
func (c Custom) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	sep := func() {
		if b[len(b)-1] != '{' {
			b = append(b, ',')
		}
	}
	if len(c.Steps) > 0 {
		b = append(b, `"steps":[`...)
		for i, s := range c.Steps {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonenc.AppendString(append(b, `{"kind":`...), s.Kind)
			b = jsonenc.AppendString(append(b, `,"detail":`...), s.Detail)
			if s.Span != nil {
				b = strconv.AppendInt(append(b, `,"span":{"start":`...), int64(s.Span.Start), 10)
				b = strconv.AppendInt(append(b, `,"end":`...), int64(s.Span.End), 10)
				b = append(b, '}')
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(c.Warnings) > 0 {
		sep()
		b = append(b, `"warnings":[`...)
		for i, w := range c.Warnings {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonenc.AppendString(append(b, `{"code":`...), w.Code)
			b = jsonenc.AppendString(append(b, `,"message":`...), w.Message)
			if w.Line != 0 {
				b = strconv.AppendInt(append(b, `,"line":`...), int64(w.Line), 10)
			}
			if w.Column != 0 {
				b = strconv.AppendInt(append(b, `,"column":`...), int64(w.Column), 10)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if c.JobID != "" {
		sep()
		b = jsonenc.AppendString(append(b, `"jobId":`...), c.JobID)
	}
	if c.Truncated {
		sep()
		b = append(b, `"truncated":true`...)
	}
	if c.MaxRows != 0 {
		sep()
		b = strconv.AppendInt(append(b, `"maxRows":`...), c.MaxRows, 10)
	}
	if c.MaxBytes != 0 {
		sep()
		b = strconv.AppendInt(append(b, `"maxBytes":`...), c.MaxBytes, 10)
	}
	if c.CacheHit {
		sep()
		b = append(b, `"cacheHit":true`...)
	}
	return append(b, '}')
}

// SetMeta sets ExecutedQueryString, Stats and Custom on every frame, keeping
// existing notices, type and visualization.
func SetMeta(frames []*data.Frame, m Meta) {
	for _, f := range frames {
		if f == nil {
			continue
		}
		if f.Meta == nil {
			f.Meta = &data.FrameMeta{}
		}
		f.Meta.ExecutedQueryString = m.ExecutedSQL
		f.Meta.Stats = Stats(m)
		f.Meta.Custom = Custom{Steps: m.Steps, Warnings: m.Warnings, JobID: m.JobID, Truncated: m.Truncated, MaxRows: m.MaxRows, MaxBytes: m.MaxBytes, CacheHit: m.CacheHit}
		for _, w := range m.Warnings {
			f.Meta.Notices = appendNotice(f.Meta.Notices, data.Notice{Severity: data.NoticeSeverityWarning, Text: w.Message})
		}
	}
}

// Stats returns the query statistics shown in Grafana's inspector.
func Stats(m Meta) []data.QueryStat {
	stat := func(name, unit string, v float64) data.QueryStat {
		return data.QueryStat{FieldConfig: data.FieldConfig{DisplayName: name, Unit: unit}, Value: v}
	}
	cache := 0.0
	if m.CacheHit {
		cache = 1
	}
	s := []data.QueryStat{
		stat("Rows", "short", float64(m.Rows)),
		stat("Duration", "ms", float64(m.Duration.Microseconds())/1000),
		stat("Cache hit", "bool", cache),
	}
	if m.BytesProcessed > 0 {
		s = append(s, stat("Bytes processed", "bytes", float64(m.BytesProcessed)))
	}
	if m.BytesBilled > 0 {
		s = append(s, stat("Bytes billed", "bytes", float64(m.BytesBilled)))
	}
	if m.USD > 0 {
		s = append(s, stat("Cost", "currencyUSD", m.USD))
	}
	return s
}

func appendNotice(ns []data.Notice, n data.Notice) []data.Notice {
	for _, have := range ns {
		if have.Text == n.Text {
			return ns
		}
	}
	return append(ns, n)
}
