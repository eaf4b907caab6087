// Package duckdb implements engine.Engine for embedded DuckDB: an in-memory
// database with the sample loaded (the default) or a database file opened
// read-only, plus a data folder whose CSV and Parquet files appear as
// read-only views. Queries stream through the driver's typed values into
// frame column builders, are interrupted on cancellation, and only SELECT
// (or EXPLAIN) statements run.
package duckdb

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"time"

	"github.com/bigtent/quarry/pkg/engine"
)

// DefaultQueryTimeout bounds a query when neither the request nor the
// settings give a timeout.
const DefaultQueryTimeout = time.Minute

// DefaultMaxConnections is the connection pool's size when the settings
// give none.
const DefaultMaxConnections = 8

// Settings configure an embedded DuckDB.
type Settings struct {
	// Path is a DuckDB database file, opened with access_mode=READ_ONLY.
	// Empty means an in-memory database with the Quarry sample loaded.
	Path string `json:"path,omitempty"`
	// DataFolder holds CSV (.csv, .tsv, .csv.gz) and Parquet files; each is
	// attached as a view named after the file (read_csv_auto / read_parquet).
	DataFolder string `json:"dataFolder,omitempty"`
	// QueryTimeout bounds a query when the request gives no timeout
	// ("30s" or seconds; default 1m).
	QueryTimeout Duration `json:"queryTimeout,omitempty"`
	// Threads limits DuckDB's worker threads (0 = DuckDB's default).
	Threads int `json:"threads,omitempty"`
	// MemoryLimit is DuckDB's memory_limit, e.g. "2GB" ("" = default).
	MemoryLimit string `json:"memoryLimit,omitempty"`
	// MaxConnections bounds the connection pool (default
	// DefaultMaxConnections).
	MaxConnections int `json:"maxConnections,omitempty"`
	// Budget refuses a query whose EXPLAIN row estimate exceeds it.
	Budget engine.Budget `json:"budget,omitempty"`
	// SkipSample leaves an in-memory database empty (for tests and for a
	// data-folder-only setup).
	SkipSample bool `json:"skipSample,omitempty"`
}

var memoryLimitRE = regexp.MustCompile(`^(?i)\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$`)

// Validate checks the settings and reports every problem with the field and
// what to do.
func (s Settings) Validate() error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("duckdb settings: %s: %s", field, fmt.Sprintf(format, args...)))
	}
	if s.Path != "" {
		fi, err := os.Stat(s.Path)
		switch {
		case err != nil:
			add("path", "cannot open %q: %v; give an existing DuckDB database file, or leave empty for the in-memory sample", s.Path, errors.Unwrap(err))
		case fi.IsDir():
			add("path", "%q is a directory; give a DuckDB database file (use dataFolder for a folder of CSV/Parquet files)", s.Path)
		}
	}
	if s.DataFolder != "" {
		fi, err := os.Stat(s.DataFolder)
		switch {
		case err != nil:
			add("dataFolder", "cannot open %q: %v; give an existing folder of CSV or Parquet files", s.DataFolder, errors.Unwrap(err))
		case !fi.IsDir():
			add("dataFolder", "%q is not a folder", s.DataFolder)
		}
	}
	if s.QueryTimeout < 0 {
		add("queryTimeout", "must not be negative, got %s", s.QueryTimeout)
	}
	if s.Threads < 0 || s.Threads > 1024 {
		add("threads", "must be between 0 (default) and 1024, got %d", s.Threads)
	}
	if s.MemoryLimit != "" && !memoryLimitRE.MatchString(s.MemoryLimit) {
		add("memoryLimit", "%q is not a size such as 512MB or 2GB", s.MemoryLimit)
	}
	if s.MaxConnections < 0 {
		add("maxConnections", "must not be negative, got %d", s.MaxConnections)
	}
	return errors.Join(errs...)
}
