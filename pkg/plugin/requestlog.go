package plugin

import (
	"context"
	"errors"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
)

// requestLogMiddleware writes the SDK's request lines for QueryData, the
// lines backend.NewLoggerMiddleware writes ("Plugin Request Started" at
// debug; "Plugin Request Completed" with status, duration, error and
// statusSource at info, or error when the request failed; "Partial data
// response error" per failed query), with the request's contextual
// attributes. The SDK's middleware first builds a sub-logger holding those
// attributes (logger.FromContext, a copy of the logger and its arguments
// on every request) and then writes through it; this one passes them as
// arguments of the line itself, which writes the same JSON object for
// about half the cost. QueryChunkedData passes through unlogged, as it
// does in the SDK's middleware.
func requestLogMiddleware(logger log.Logger) backend.HandlerMiddleware {
	return backend.HandlerMiddlewareFunc(func(next backend.Handler) backend.Handler {
		return &requestLog{BaseHandler: backend.NewBaseHandler(next), logger: logger}
	})
}

type requestLog struct {
	backend.BaseHandler
	logger log.Logger
}

func (m *requestLog) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	if req == nil {
		return m.BaseHandler.QueryData(ctx, req)
	}
	start := time.Now()
	attrs := log.ContextualAttributesFromContext(ctx)
	m.logger.Debug("Plugin Request Started", attrs...)
	resp, err := m.BaseHandler.QueryData(ctx, req)
	status := backend.RequestStatusFromQueryDataResponse(resp, err)
	if err == nil && resp == nil {
		status, err = backend.RequestStatusError, errors.New("both response and error are nil, but one must be provided")
	}
	if err == nil {
		for refID, dr := range resp.Responses {
			if dr.Error != nil {
				m.logger.Error("Partial data response error", append(attrs[:len(attrs):len(attrs)],
					"refID", refID, "status", int(dr.Status), "error", dr.Error, "statusSource", dr.ErrorSource.String())...)
			}
		}
	}
	params := append(attrs[:len(attrs):len(attrs)], "status", status.String(), "duration", time.Since(start).String())
	if err != nil {
		params = append(params, "error", err)
	}
	params = append(params, "statusSource", string(backend.ErrorSourceFromContext(ctx)))
	if status > backend.RequestStatusCancelled {
		m.logger.Error("Plugin Request Completed", params...)
	} else {
		m.logger.Info("Plugin Request Completed", params...)
	}
	return resp, err
}
