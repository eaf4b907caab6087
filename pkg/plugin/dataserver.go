package plugin

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/backend/tracing"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-plugin"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/bigtent/quarry/pkg/frames/arrowipc"
)

// DataServer is the plugin's gRPC Data service. It answers QueryData as the
// SDK's own adapter does (same request conversion, handler, status, error
// and error source in the reply) except for the frames: they are written as
// Arrow IPC by arrowipc.Marshal, straight from the frames' value arrays,
// instead of data.Frame.MarshalArrow. Chunked queries go to the handler
// with a writer that encodes their Arrow chunks the same way.
type DataServer struct {
	handler backend.Handler
}

var _ pluginv2.DataServer = (*DataServer)(nil)

// NewDataServer serves QueryData (and QueryChunkedData) with h.
func NewDataServer(h backend.Handler) *DataServer { return &DataServer{handler: h} }

// QueryData runs the request and encodes its frames directly. For an Arrow
// request the context carries a directFrames record: the Service then
// leaves table-format results in their tables, and they are encoded
// straight from the column buffers.
func (s *DataServer) QueryData(ctx context.Context, req *pluginv2.QueryDataRequest) (*pluginv2.QueryDataResponse, error) {
	growStack() // one stack growth now instead of several deep in the call
	parsed := backend.FromProto().QueryDataRequest(req)
	var direct *directFrames
	if parsed.Format == backend.DataFrameFormat_ARROW {
		ctx, direct = withDirectFrames(ctx)
	}
	resp, err := s.handler.QueryData(ctx, parsed)
	if err != nil {
		return nil, withErrorSource(err)
	}
	if resp == nil {
		return nil, errors.New("both response and error are nil, but one must be provided")
	}
	return encodeResponse(parsed.Format, resp, direct, registeredSegments())
}

// QueryChunkedData streams a query's chunks as the SDK's adapter does,
// except that Arrow chunks are written by arrowipc (chunkWriter), and the
// handler may send chunks already encoded (EncodedChunkWriter).
func (s *DataServer) QueryChunkedData(req *pluginv2.QueryChunkedDataRequest, stream grpc.ServerStreamingServer[pluginv2.QueryChunkedDataResponse]) error {
	growStack()
	parsed := backend.FromProto().QueryChunkedDataRequest(req)
	w := newChunkWriter(parsed.Format, stream.Send)
	if err := s.handler.QueryChunkedData(stream.Context(), parsed, w); err != nil {
		return withErrorSource(err)
	}
	return nil
}

// EncodeResponse converts a QueryData answer to its protobuf form: the SDK's
// conversion for everything but the Arrow frames, which arrowipc writes.
// JSON-format requests take the SDK's path entirely.
func EncodeResponse(format backend.DataFrameFormat, resp *backend.QueryDataResponse) (*pluginv2.QueryDataResponse, error) {
	return encodeResponse(format, resp, nil, nil)
}

// encodeResponse is EncodeResponse; the frames recorded in direct are
// written from their tables, in pieces recorded in segs when it is set
// (the process's FramesCodec sends them), else in one piece.
func encodeResponse(format backend.DataFrameFormat, resp *backend.QueryDataResponse, direct *directFrames, segs *segmentFrames) (*pluginv2.QueryDataResponse, error) {
	if format != backend.DataFrameFormat_ARROW {
		return backend.ToProto().QueryDataResponse(format, resp)
	}
	bare := &backend.QueryDataResponse{Responses: make(backend.Responses, len(resp.Responses))}
	encoded := make(map[string][][]byte, len(resp.Responses))
	for refID, dr := range resp.Responses {
		for _, f := range dr.Frames {
			if f == nil {
				return nil, errors.New("frame can not be nil")
			}
			if f.RefID == "" {
				f.RefID = refID
			}
		}
		b := make([][]byte, len(dr.Frames))
		for i, f := range dr.Frames {
			var err error
			if t := direct.table(f); t != nil && segs != nil {
				var s arrowipc.Segments
				if s, err = arrowipc.MarshalTableSegments(f, t); err == nil {
					if len(s) == 1 {
						b[i] = s[0] // no buffer referenced: one piece
					} else {
						b[i] = segs.placeholder(s)
					}
				}
			} else if t != nil {
				b[i], err = arrowipc.MarshalTable(f, t)
			} else {
				b[i], err = arrowipc.Marshal(f)
			}
			if err != nil {
				return nil, fmt.Errorf("encoding the frames of %s: %w", refID, err)
			}
		}
		encoded[refID] = b
		dr.Frames = nil
		bare.Responses[refID] = dr
	}
	out, err := backend.ToProto().QueryDataResponse(format, bare)
	if err != nil {
		return nil, err
	}
	for refID, b := range encoded {
		if pr := out.Responses[refID]; pr != nil {
			pr.Frames = b
		}
	}
	return out, nil
}

// withErrorSource marks a handler error with its source in the gRPC status,
// as the SDK's adapter does, so Grafana can tell plugin errors from
// downstream ones.
func withErrorSource(err error) error {
	var src string
	switch {
	case backend.IsDownstreamError(err):
		src = string(backend.ErrorSourceDownstream)
	case backend.IsPluginError(err):
		src = string(backend.ErrorSourcePlugin)
	default:
		return err
	}
	st, derr := grpcstatus.New(codes.Unknown, err.Error()).WithDetails(&errdetails.ErrorInfo{Metadata: map[string]string{"errorSource": src}})
	if derr != nil {
		return err
	}
	return st.Err()
}

// DirectArrowData is a backend.ServeOptsDecorator (datasource.ManageOpts's
// hook for the options a plugin is served with): it takes QueryData and
// QueryChunkedData off the SDK's adapter and serves them with a DataServer
// around the same handler. Every other service stays on the SDK. The SDK
// wraps handlers in its default middlewares only for the services it
// serves, so the DataServer's handler gets the exported ones here: tracing,
// request logging, alert-header forwarding and error source, plus the
// contextual log attributes (plugin, data source, user, endpoint, trace id)
// the SDK adds. The SDK's request counter (grafana_plugin_request_total)
// does not count QueryData; Quarry's own query metrics do.
func DirectArrowData(_ string, opts backend.ServeOpts) (backend.ServeOpts, error) {
	if opts.QueryDataHandler == nil {
		return opts, nil
	}
	final := backend.Handlers{QueryDataHandler: opts.QueryDataHandler, QueryChunkedDataHandler: opts.QueryChunkedDataHandler}
	if final.QueryChunkedDataHandler == nil {
		final.QueryChunkedDataHandler = notChunked{}
	}
	h, err := backend.HandlerFromMiddlewares(final, dataMiddlewares(otel.GetTracerProvider())...)
	if err != nil {
		return opts, fmt.Errorf("data server middlewares: %w", err)
	}
	extra := plugin.PluginSet{}
	for k, v := range opts.ExtraPlugins {
		extra[k] = v
	}
	extra["data"] = &grpcplugin.DataGRPCPlugin{DataServer: NewDataServer(h)}
	opts.ExtraPlugins = extra
	opts.QueryDataHandler, opts.QueryChunkedDataHandler = nil, nil
	return opts, nil
}

// dataMiddlewares are the DataServer's middlewares, outermost first. The
// SDK's tracing middleware is left out when tp is otel's no-op provider,
// which backend.SetupTracer installs (before DirectArrowData runs) when
// Grafana has configured no tracing for plugins: its spans would record
// nothing, and a no-op span carries the incoming span context on, so
// trace ids in logs stay the same.
func dataMiddlewares(tp trace.TracerProvider) []backend.HandlerMiddleware {
	mws := []backend.HandlerMiddleware{contextualLogMiddleware()}
	if _, off := tp.Tracer("").(noop.Tracer); !off {
		mws = append(mws, backend.NewTracingMiddleware(tracing.DefaultTracer()))
	}
	return append(mws, requestLogMiddleware(backend.Logger), backend.NewAlertForwarderMiddleware(), backend.NewErrorSourceMiddleware())
}

// notChunked answers QueryChunkedData as the SDK does for a plugin without
// a chunked handler.
type notChunked struct{}

func (notChunked) QueryChunkedData(context.Context, *backend.QueryChunkedDataRequest, backend.ChunkedDataWriter) error {
	return grpcstatus.Error(codes.Unimplemented, fmt.Sprintf("method QueryChunkedData not implemented (HTTP %d)", http.StatusNotImplemented))
}

// contextualLogMiddleware adds the attributes the SDK's contextual logger
// middleware adds to a request's logger.
func contextualLogMiddleware() backend.HandlerMiddleware {
	return backend.HandlerMiddlewareFunc(func(next backend.Handler) backend.Handler {
		return &contextualLog{BaseHandler: backend.NewBaseHandler(next)}
	})
}

type contextualLog struct{ backend.BaseHandler }

func (m *contextualLog) setup(ctx context.Context, pc backend.PluginContext) context.Context {
	args := []any{"pluginId", pc.PluginID, "pluginVersion", pc.PluginVersion}
	if ep := backend.EndpointFromContext(ctx); !ep.IsEmpty() {
		args = append(args, "endpoint", string(ep))
	}
	if tid := trace.SpanContextFromContext(ctx).TraceID(); tid.IsValid() {
		args = append(args, "traceId", tid.String())
	}
	if pc.DataSourceInstanceSettings != nil {
		args = append(args, "dsName", pc.DataSourceInstanceSettings.Name, "dsUid", pc.DataSourceInstanceSettings.UID)
		if pc.User != nil {
			args = append(args, "uname", pc.User.Name)
		}
	}
	args = append(args, log.ContextualAttributesFromIncomingContext(ctx)...)
	return log.WithContextualAttributes(ctx, args)
}

func (m *contextualLog) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	return m.BaseHandler.QueryData(m.setup(ctx, req.PluginContext), req)
}

func (m *contextualLog) QueryChunkedData(ctx context.Context, req *backend.QueryChunkedDataRequest, w backend.ChunkedDataWriter) error {
	return m.BaseHandler.QueryChunkedData(m.setup(ctx, req.PluginContext), req, w)
}
