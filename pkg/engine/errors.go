package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// Downstream marks err as caused by the warehouse or the user's query (bad
// SQL, permissions, timeouts, budget refusals), so Grafana does not count it
// as a plugin failure. pkg/plugin reads it with backend.IsDownstreamError or
// IsDownstream.
func Downstream(err error) error {
	if err == nil || backend.IsDownstreamError(err) {
		return err
	}
	return backend.DownstreamError(err)
}

// Plugin marks err as a Quarry defect.
func Plugin(err error) error {
	if err == nil {
		return nil
	}
	return backend.PluginError(err)
}

// IsDownstream reports whether err is marked downstream (or is a timeout or
// cancellation).
func IsDownstream(err error) bool { return backend.IsDownstreamError(err) }

// TimeoutError is a query that ran past its configured timeout.
type TimeoutError struct {
	Timeout time.Duration
	Err     error
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("query exceeded the %s timeout set in the data source settings; narrow the query or raise the timeout", FormatDuration(e.Timeout))
}

func (e *TimeoutError) Unwrap() error { return e.Err }

// CanceledError is a query stopped because its caller went away (panel
// closed, dashboard refreshed).
type CanceledError struct{ Err error }

func (e *CanceledError) Error() string {
	return "query canceled: the request was abandoned (panel closed or refreshed) and the server was told to stop"
}

func (e *CanceledError) Unwrap() error { return e.Err }

// WithTimeout derives the query context. timeout 0 means none.
func WithTimeout(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, timeout, &TimeoutError{Timeout: timeout, Err: context.DeadlineExceeded})
}

// Classify turns a query error into what users should read: a timeout
// message instead of "context deadline exceeded", a cancellation, or the
// driver's error marked downstream. queryCtx is the context the query ran
// with (made by WithTimeout); parent is the caller's.
func Classify(parent, queryCtx context.Context, timeout time.Duration, err error) error {
	if err == nil {
		return nil
	}
	var te *TimeoutError
	if errors.As(err, &te) {
		return Downstream(err)
	}
	if queryCtx != nil && queryCtx.Err() == nil && isNetTimeout(err) {
		// Drivers put the context's deadline on the socket; its timeout can
		// fire a moment before the context's own timer. Let the context
		// catch up so the error reads as the query timeout.
		if dl, ok := queryCtx.Deadline(); ok && time.Until(dl) < 250*time.Millisecond {
			select {
			case <-queryCtx.Done():
			case <-time.After(time.Until(dl) + 20*time.Millisecond):
			}
		}
	}
	if queryCtx != nil && queryCtx.Err() != nil {
		if parent != nil && parent.Err() != nil {
			if errors.Is(parent.Err(), context.DeadlineExceeded) {
				return Downstream(fmt.Errorf("query stopped: the request deadline passed: %w", err))
			}
			return Downstream(&CanceledError{Err: err})
		}
		if errors.As(context.Cause(queryCtx), &te) {
			return Downstream(&TimeoutError{Timeout: te.Timeout, Err: err})
		}
		if timeout > 0 && errors.Is(queryCtx.Err(), context.DeadlineExceeded) {
			return Downstream(&TimeoutError{Timeout: timeout, Err: err})
		}
	}
	if errors.Is(err, context.DeadlineExceeded) && timeout > 0 {
		return Downstream(&TimeoutError{Timeout: timeout, Err: err})
	}
	if errors.Is(err, context.Canceled) {
		return Downstream(&CanceledError{Err: err})
	}
	return Downstream(err)
}

// FormatDuration renders a timeout as users configure it ("30s", "2m", "1m30s").
func FormatDuration(d time.Duration) string {
	s := d.String()
	if d%time.Second != 0 {
		return s
	}
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// isNetTimeout reports a socket deadline error.
func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// EstimateTimeout is the timeout an estimate runs under: the engine's
// configured query timeout, shortened to the time left before ctx's
// deadline. The plugin bounds an estimate by the data source's
// queryTimeout, the timeout its queries get, so the server-side limits an
// estimate sends (max_execution_time, statement_timeout, a job timeout)
// are the ones a query would get.
func EstimateTimeout(ctx context.Context, configured time.Duration) time.Duration {
	dl, ok := ctx.Deadline()
	if !ok {
		return configured
	}
	left := time.Until(dl)
	if left <= 0 {
		left = time.Millisecond // already over: the estimate fails as a timeout
	}
	if configured <= 0 || left < configured {
		return left
	}
	return configured
}
