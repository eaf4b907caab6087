package plugin

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
)

// recordLogger records each line as level, message and its key/value
// pairs (the With arguments first, as hclog writes them), sorted.
type recordLogger struct {
	level log.Level
	with  []any
	lines *[]string
}

func (l recordLogger) line(level, msg string, args ...any) {
	all := append(append([]any(nil), l.with...), args...)
	var kv []string
	for i := 0; i+1 < len(all); i += 2 {
		v := fmt.Sprint(all[i+1])
		if all[i] == "duration" {
			v = "D" // differs from run to run
		}
		kv = append(kv, fmt.Sprintf("%v=%s", all[i], v))
	}
	sort.Strings(kv)
	*l.lines = append(*l.lines, level+" "+msg+" "+strings.Join(kv, " "))
}

func (l recordLogger) Debug(msg string, args ...any) {
	if l.level <= log.Debug {
		l.line("debug", msg, args...)
	}
}
func (l recordLogger) Info(msg string, args ...any)  { l.line("info", msg, args...) }
func (l recordLogger) Warn(msg string, args ...any)  { l.line("warn", msg, args...) }
func (l recordLogger) Error(msg string, args ...any) { l.line("error", msg, args...) }
func (l recordLogger) With(args ...any) log.Logger {
	return recordLogger{level: l.level, with: append(append([]any(nil), l.with...), args...), lines: l.lines}
}
func (l recordLogger) Level() log.Level { return l.level }
func (l recordLogger) FromContext(ctx context.Context) log.Logger {
	return l.With(log.ContextualAttributesFromContext(ctx)...)
}

type answer struct {
	resp *backend.QueryDataResponse
	err  error
}

func (a answer) QueryData(context.Context, *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	return a.resp, a.err
}

// TestRequestLogMatchesSDK: requestLogMiddleware writes the lines the SDK's
// logger middleware writes, with the same attributes, at every level and
// for every outcome.
func TestRequestLogMatchesSDK(t *testing.T) {
	partial := backend.NewQueryDataResponse()
	partial.Responses["A"] = backend.DataResponse{}
	partial.Responses["B"] = backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, "bad SQL")
	ok := backend.NewQueryDataResponse()
	ok.Responses["A"] = backend.DataResponse{}
	req := &backend.QueryDataRequest{PluginContext: backend.PluginContext{PluginID: "p",
		DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{Name: "ds", UID: "u"}, User: &backend.User{Name: "viewer"}}}
	for _, level := range []log.Level{log.Debug, log.Info} {
		for name, a := range map[string]answer{
			"ok": {resp: ok}, "partial": {resp: partial}, "failed": {err: errors.New("boom")},
			"canceled": {err: context.Canceled}, "nil": {},
		} {
			t.Run(fmt.Sprintf("%s/%d", name, level), func(t *testing.T) {
				run := func(mw backend.HandlerMiddleware, lines *[]string) {
					h, err := backend.HandlerFromMiddlewares(backend.Handlers{QueryDataHandler: a}, contextualLogMiddleware(), mw)
					if err != nil {
						t.Fatal(err)
					}
					_, _ = h.QueryData(context.Background(), req)
					sort.Strings(*lines)
				}
				var got, want []string
				run(requestLogMiddleware(recordLogger{level: level, lines: &got}), &got)
				run(backend.NewLoggerMiddleware(recordLogger{level: level, lines: &want}, nil), &want)
				if strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) == 0 {
					t.Errorf("lines:\n%s\nthe SDK's middleware writes:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			})
		}
	}
}
