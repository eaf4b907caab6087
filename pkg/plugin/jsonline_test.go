package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	hclog "github.com/hashicorp/go-hclog"
)

// textErr is an error that marshals itself as text: hclog keeps it as it
// is, so jsonLine leaves it to hclog.
type textErr struct{}

func (textErr) Error() string                { return "text error" }
func (textErr) MarshalText() ([]byte, error) { return []byte("marshalled"), nil }

type named string

// TestLoggerMatchesHclog: every line the logger writes, by jsonLine or by
// hclog, is byte for byte the line hclog writes for the same call (the
// timestamps aside), at every level, through With, for plain and awkward
// attributes alike.
func TestLoggerMatchesHclog(t *testing.T) {
	cases := []struct {
		name    string
		implied []any
		args    []any
	}{
		{"no attributes", nil, nil},
		{"request line", []any{"pluginId", "bigtent-quarry-datasource", "endpoint", "queryData", "dsUID", "abc", "uname", "admin"},
			[]any{"status", "ok", "duration", "1.2ms", "statusSource", "plugin"}},
		{"integers and bools", nil, []any{"i", 1, "i8", int8(-8), "i16", int16(16), "i32", int32(-32), "i64", int64(1) << 62,
			"u", uint(7), "u8", uint8(8), "u16", uint16(16), "u32", uint32(32), "u64", uint64(1) << 63, "t", true, "f", false}},
		{"errors", nil, []any{"error", errors.New(`boom "quoted" <b>`), "wrapped", fmt.Errorf("outer: %w", errors.New("inner"))}},
		{"escapes", nil, []any{"sql", "SELECT '<a>' && x\n\tFROM \"t\" -- \\", "ctl", "\x00\x01\x1f\x7f", "bs", "\b\f\r"}},
		{"each HTML character alone", nil, []any{"amp", "a&b", "lt", "a<b", "gt", "a>b"}},
		{"unicode", nil, []any{"u", "héllo wörld ✓ 日本", "sep", "a\u2028b\u2029c", "bad", "\xff\xfeok"}},
		{"keys sorted and escaped", nil, []any{"zeta", "z", "Alpha", "A", "1st", "1", "_u", "u", "<k>", "html", "é", "e"}},
		{"a later value replaces an earlier one", []any{"dup", "implied", "x", 1}, []any{"dup", "arg", "x", 2, "dup", "last"}},
		{"an attribute named like hclog's own", nil, []any{"@message", "mine", "@level", "mine too", "@timestamp", "then"}},
		{"odd args", nil, []any{"k", "v", "lonely"}},
		{"odd implied", []any{"lonely"}, []any{"k", "v"}},
		{"a key that is not a string", nil, []any{42, "v"}},
		{"a text-marshalling error", nil, []any{"error", textErr{}}},
		{"a duration", nil, []any{"d", 1500 * time.Millisecond}},
		{"floats", nil, []any{"f", 1.5, "tiny", 1e-9, "big", 1e22}},
		{"nil", nil, []any{"n", nil}},
		{"a named string", nil, []any{"s", named("x")}},
		{"a struct", nil, []any{"ip", net.IPv4(10, 0, 0, 1), "m", map[string]int{"b": 2, "a": 1}}},
		{"a format", nil, []any{"f", hclog.Fmt("%d-%s", 7, "x")}},
	}
	stamp := regexp.MustCompile(`"@timestamp":"[^"]*"`)
	for _, level := range []log.Level{log.Debug, log.Info, log.Warn, log.Error} {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%v/%s", level, c.name), func(t *testing.T) {
				// Straight to a writer, and through the plugin's batching
				// lineWriter (records rendered when the batch is written).
				var got, batched, want bytes.Buffer
				lw := newLineWriter(&batched, time.Hour)
				ours := []log.Logger{newLogger(level, &got), newLogger(level, lw)}
				theirs := hclog.New(&hclog.LoggerOptions{Level: hclog.Level(level), JSONFormat: true, Output: &want})
				if c.implied != nil {
					for i := range ours {
						ours[i] = ours[i].With(c.implied...)
					}
					theirs = theirs.With(c.implied...)
				}
				for _, l := range ours {
					l.Debug("debug line", c.args...)
					l.Info("info <line> & more", c.args...)
					l.Warn("warn line", c.args...)
					l.Error("error line", c.args...)
					l.Info("after the error", c.args...)
				}
				theirs.Debug("debug line", c.args...)
				theirs.Info("info <line> & more", c.args...)
				theirs.Warn("warn line", c.args...)
				theirs.Error("error line", c.args...)
				theirs.Info("after the error", c.args...)
				if err := lw.Flush(); err != nil {
					t.Fatal(err)
				}
				if want.Len() == 0 {
					t.Fatal("hclog wrote nothing")
				}
				w := stamp.ReplaceAll(want.Bytes(), []byte(`"@timestamp":"T"`))
				for _, out := range []*bytes.Buffer{&got, &batched} {
					g := stamp.ReplaceAll(out.Bytes(), []byte(`"@timestamp":"T"`))
					if !bytes.Equal(g, w) {
						t.Errorf("lines differ:\n got %s\nwant %s", g, w)
					}
				}
			})
		}
	}
}

// TestJSONLineTimestamp: the timestamp is hclog's JSON time format, and
// jsonLine renders the plain cases itself.
func TestJSONLineTimestamp(t *testing.T) {
	now := time.Date(2026, 12, 7, 17, 4, 5, 123456789, time.UTC)
	line, ok := jsonLine(now, "info", "m", []any{"a", "b"}, []any{"n", 1})
	if !ok {
		t.Fatal("a plain line was not rendered")
	}
	if want := `{"@level":"info","@message":"m","@timestamp":"2026-12-07T17:04:05.123456Z","a":"b","n":1}` + "\n"; string(line) != want {
		t.Errorf("line = %s, want %s", line, want)
	}
	if _, ok := jsonLine(now, "info", "m", nil, []any{"d", time.Second}); ok {
		t.Error("a duration was rendered, not left to hclog")
	}
}

// BenchmarkRequestLine: the request line of a query, by jsonLine and by
// hclog.
func BenchmarkRequestLine(b *testing.B) {
	implied := []any{"pluginId", "bigtent-quarry-datasource", "endpoint", "queryData", "dsName", "bench", "dsUID", "abc", "uname", "admin"}
	args := []any{"status", "ok", "duration", "1.2ms", "statusSource", "plugin", "traceID", ""}
	var sink bytes.Buffer
	ours := newLogger(log.Info, &sink).With(implied...)
	theirs := hclog.New(&hclog.LoggerOptions{Level: hclog.Info, JSONFormat: true, Output: &sink}).With(implied...)
	for _, c := range []struct {
		name string
		info func(string, ...any)
	}{{"quarry", ours.Info}, {"hclog", theirs.Info}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sink.Reset()
				c.info("Plugin Request Completed", args...)
			}
		})
	}
}

// TestFromContextMatchesHclog: a logger from FromContext writes the
// request's contextual attributes as hclog's With would, on every line,
// through a further With and a further FromContext, and writes nothing
// below its level.
func TestFromContextMatchesHclog(t *testing.T) {
	stamp := regexp.MustCompile(`"@timestamp":"[^"]*"`)
	ctx := log.WithContextualAttributes(context.Background(), []any{"pluginId", "p", "dsUID", "u<1>"})
	ctx2 := log.WithContextualAttributes(ctx, []any{"endpoint", "queryData", "dsUID", "u2"})
	var got, want bytes.Buffer
	ours := newLogger(log.Info, &got)
	theirs := hclog.New(&hclog.LoggerOptions{Level: hclog.Info, JSONFormat: true, Output: &want})

	ours.FromContext(ctx).Debug("not written")
	ours.FromContext(ctx).Info("info", "k", "v")
	theirs.With("pluginId", "p", "dsUID", "u<1>").Info("info", "k", "v")
	ours.FromContext(ctx).With("queryId", "q").Warn("warn", "n", 1)
	theirs.With("pluginId", "p", "dsUID", "u<1>", "queryId", "q").Warn("warn", "n", 1)
	ours.FromContext(ctx2).Error("error", "e", errors.New("x"))
	theirs.With("pluginId", "p", "dsUID", "u<1>", "endpoint", "queryData", "dsUID", "u2").Error("error", "e", errors.New("x"))
	ours.FromContext(ctx).FromContext(log.WithContextualAttributes(context.Background(), []any{"extra", true})).Info("nested", "d", time.Second)
	theirs.With("pluginId", "p", "dsUID", "u<1>", "extra", true).Info("nested", "d", time.Second)
	ours.FromContext(context.Background()).Info("plain")
	theirs.Info("plain")
	if lv := ours.FromContext(ctx).Level(); lv != log.Info {
		t.Errorf("level = %v, want info", lv)
	}

	g := stamp.ReplaceAll(got.Bytes(), []byte(`"@timestamp":"T"`))
	w := stamp.ReplaceAll(want.Bytes(), []byte(`"@timestamp":"T"`))
	if !bytes.Equal(g, w) {
		t.Errorf("lines differ:\n got %s\nwant %s", g, w)
	}
}
