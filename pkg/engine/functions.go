package engine

import "context"

// Function kinds.
const (
	FunctionScalar    = "scalar"
	FunctionAggregate = "aggregate"
	FunctionWindow    = "window"
	FunctionTable     = "table"
)

// Function is one SQL function the server offers, for editor completion.
type Function struct {
	Name string `json:"name"`
	// Signature is the argument list as the server states it, such as
	// "(text, integer)"; empty when the server does not say (ClickHouse).
	Signature string `json:"signature,omitempty"`
	// Returns is the result type, when the server states it.
	Returns string `json:"returns,omitempty"`
	// Kind is scalar, aggregate, window or table.
	Kind string `json:"kind"`
	// Description is the server's (or the maintained list's) one-line text.
	Description string `json:"description,omitempty"`
}

// FunctionLister is implemented by engines that can list the functions of
// the connected server. The plugin caches the answer per data source.
type FunctionLister interface {
	Functions(ctx context.Context) ([]Function, error)
}
