package plugin

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/bigtent/quarry/pkg/engine"
)

// captureLogger records every log line with its key/value pairs.
type captureLogger struct {
	mu    *sync.Mutex
	lines *[]string
	with  []any
}

func newCaptureLogger() *captureLogger {
	return &captureLogger{mu: &sync.Mutex{}, lines: &[]string{}}
}

func (c *captureLogger) log(level, msg string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	*c.lines = append(*c.lines, fmt.Sprintf("%s %s %v %v", level, msg, c.with, args))
}
func (c *captureLogger) Debug(msg string, args ...any) { c.log("debug", msg, args...) }
func (c *captureLogger) Info(msg string, args ...any)  { c.log("info", msg, args...) }
func (c *captureLogger) Warn(msg string, args ...any)  { c.log("warn", msg, args...) }
func (c *captureLogger) Error(msg string, args ...any) { c.log("error", msg, args...) }
func (c *captureLogger) With(args ...any) log.Logger {
	return &captureLogger{mu: c.mu, lines: c.lines, with: append(append([]any{}, c.with...), args...)}
}
func (c *captureLogger) Level() log.Level                       { return log.Debug }
func (c *captureLogger) FromContext(context.Context) log.Logger { return c }
func (c *captureLogger) all() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(*c.lines, "\n")
}

// TestLogsAndSpans checks that a query is logged with a query id and traced
// with plan, estimate and execute spans.
func TestLogsAndSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	logs := newCaptureLogger()
	info, _ := openDuckDB(t, map[string]any{"maxEstimatedRows": 1_000_000}, nil)
	svc := NewService(info.svc.cfg, info.svc.eng, Deps{Logger: logs, Tracer: tp.Tracer("test")})
	ds := NewWithService(svc)
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		dataQuery("A", "", map[string]any{"rawSql": "SELECT count(*) AS n FROM sample.logs WHERE $__timeFilter(ts)"}),
	}})
	if err != nil || resp.Responses["A"].Error != nil {
		t.Fatal(err, resp.Responses["A"].Error)
	}
	names := map[string]bool{}
	for _, s := range rec.Ended() {
		names[s.Name()] = true
	}
	for _, want := range []string{"quarry.plan", "quarry.estimate", "quarry.execute"} {
		if !names[want] {
			t.Errorf("no %s span (have %v)", want, names)
		}
	}
	if l := logs.all(); !strings.Contains(l, "queryId") || !strings.Contains(l, "query done") {
		t.Errorf("logs lack a query id line:\n%s", l)
	}
}

// TestNoSecretInProcessLogs opens every engine with secrets against a closed
// port and checks the captured logs, errors, health and resource replies.
func TestNoSecretInProcessLogs(t *testing.T) {
	const secret = "inproc-Secr3t-b7e1"
	logs := newCaptureLogger()
	ctx := context.Background()
	for _, js := range []string{
		`{"engine":"postgres","host":"127.0.0.1","port":1,"database":"q","user":"u","sslmode":"disable"}`,
		`{"engine":"clickhouse","host":"127.0.0.1","port":1,"database":"q","user":"u","dialTimeout":"1s"}`,
		`{"engine":"bigquery","defaultProject":"quarry-test","endpoint":"http://127.0.0.1:1"}`,
		`{"engine":"bigquery","defaultProject":"quarry-test","maxRows":"not a number"}`,
	} {
		secure := map[string]string{"password": secret, "serviceAccountKey": `{"type":"service_account","client_email":"a@b","private_key":"` + secret + `"}`}
		ds, err := New(ctx, []byte(js), secure, Deps{Logger: logs})
		var texts []string
		if err != nil {
			texts = append(texts, err.Error())
		} else {
			h, _ := ds.CheckHealth(ctx, &backend.CheckHealthRequest{})
			texts = append(texts, h.Message, string(h.JSONDetails))
			resp, _ := ds.QueryData(ctx, &backend.QueryDataRequest{Queries: []backend.DataQuery{dataQuery("A", "", map[string]any{"rawSql": "SELECT 1"})}})
			if e := resp.Responses["A"].Error; e != nil {
				texts = append(texts, e.Error())
			}
			_, body := ds.Resource(ctx, "GET", "schema/datasets", "schema/datasets", nil)
			texts = append(texts, string(body))
			ds.Dispose()
		}
		texts = append(texts, logs.all())
		for _, s := range texts {
			if strings.Contains(s, secret) {
				t.Errorf("%s: secret in %q", js, s)
			}
		}
	}
	if !strings.Contains(logs.all(), "health failed") {
		t.Errorf("no health failure was logged; the capture saw:\n%s", logs.all())
	}
}

// closeCounting records Close calls on a real engine.
type closeCounting struct {
	engine.Engine
	closed int
}

func (c *closeCounting) Close() error { c.closed++; return c.Engine.Close() }

func TestDisposeClosesPools(t *testing.T) {
	ds, ce := openDuckDB(t, map[string]any{}, nil)
	cc := &closeCounting{Engine: ce.Engine}
	d := NewWithService(NewService(ds.svc.cfg, cc, Deps{Logger: log.NewNullLogger()}))
	d.Dispose()
	if cc.closed != 1 {
		t.Fatalf("Close called %d times, want 1", cc.closed)
	}
}
