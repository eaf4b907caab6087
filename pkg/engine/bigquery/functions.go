package bigquery

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/bigtent/quarry/pkg/engine"
)

// functionsJSON is the maintained list of BigQuery functions for completion:
// BigQuery has no catalog view of its built-in functions, so the list is
// kept as data. Its "source" field names where it was taken from.
//
//go:embed functions.json
var functionsJSON []byte

// functionList is the shape of functions.json.
type functionList struct {
	Source    string            `json:"source"`
	Updated   string            `json:"updated"`
	Functions []engine.Function `json:"functions"`
}

// loadFunctions decodes the embedded list.
func loadFunctions() (functionList, error) {
	var l functionList
	if err := json.Unmarshal(functionsJSON, &l); err != nil {
		return l, fmt.Errorf("bigquery: the embedded function list is invalid: %w", err)
	}
	return l, nil
}

// Functions returns the maintained list of BigQuery functions
// (engine.FunctionLister); it needs no call to BigQuery.
func (e *Engine) Functions(_ context.Context) ([]engine.Function, error) {
	l, err := loadFunctions()
	if err != nil {
		return nil, err
	}
	return l.Functions, nil
}
