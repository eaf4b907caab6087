//go:build tools

// Package tools pins the BigQuery emulator used by Quarry's integration tests.
// It lives in a module of its own so that go-zetasql never enters the main
// module's build.
package tools

import _ "github.com/goccy/bigquery-emulator/cmd/bigquery-emulator"
