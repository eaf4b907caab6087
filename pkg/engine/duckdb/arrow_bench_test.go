//go:build cgo && duckdb_arrow

package duckdb

import "testing"

// BenchmarkQueryArrow measures the Arrow reader alone (no fallback).
func BenchmarkQueryArrow(b *testing.B) {
	benchRead(b, func(e *Engine) reader { return e.readArrowPath })
}
