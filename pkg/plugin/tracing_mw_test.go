package plugin

import (
	"context"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

type ctxProbe struct{ got context.Context }

func (p *ctxProbe) QueryData(ctx context.Context, _ *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	p.got = ctx
	return backend.NewQueryDataResponse(), nil
}

// TestDataMiddlewaresTracing: the SDK's tracing middleware is in the data
// path unless the tracer provider is otel's no-op one (Grafana configured
// no tracing), and without it the incoming span context still reaches the
// handler.
func TestDataMiddlewaresTracing(t *testing.T) {
	real := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = real.Shutdown(context.Background()) })
	for _, c := range []struct {
		name string
		tp   trace.TracerProvider
		want int
	}{
		{"no-op provider", noop.NewTracerProvider(), 4},
		{"a real provider", real, 5},
	} {
		if got := len(dataMiddlewares(c.tp)); got != c.want {
			t.Errorf("%s: %d middlewares, want %d", c.name, got, c.want)
		}
	}

	probe := &ctxProbe{}
	h, err := backend.HandlerFromMiddlewares(backend.Handlers{QueryDataHandler: probe}, dataMiddlewares(noop.NewTracerProvider())...)
	if err != nil {
		t.Fatal(err)
	}
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4}, TraceFlags: trace.FlagsSampled, Remote: true})
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), sc)
	req := &backend.QueryDataRequest{PluginContext: backend.PluginContext{PluginID: PluginID}}
	if _, err := h.QueryData(ctx, req); err != nil {
		t.Fatal(err)
	}
	if got := trace.SpanContextFromContext(probe.got).TraceID(); got != sc.TraceID() {
		t.Errorf("trace id at the handler = %s, want %s", got, sc.TraceID())
	}
}
