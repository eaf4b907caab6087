package duckdb

import "github.com/bigtent/quarry/pkg/engine"

// Duration is a settings duration in JSON ("30s" or a number of seconds).
type Duration = engine.Duration
