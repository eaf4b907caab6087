package sample

import (
	"context"
	"fmt"
	"io"
	"time"
)

// LoadReport says what a Load* call did for one table.
type LoadReport struct {
	Table    string
	Rows     int64
	Skipped  bool // the table already held the expected rows
	Duration time.Duration
}

// String renders the report as one log line.
func (r LoadReport) String() string {
	if r.Skipped {
		return fmt.Sprintf("%s: %d rows already loaded", r.Table, r.Rows)
	}
	return fmt.Sprintf("%s: loaded %d rows in %s", r.Table, r.Rows, r.Duration.Round(time.Millisecond))
}

// loadTable is the shared idempotent step of every loader: count the rows the
// engine holds, and when they differ from want, reset the table and load it.
func loadTable(ctx context.Context, table string, want int64,
	count func(context.Context) (int64, error),
	reset func(context.Context) error,
	load func(context.Context) (int64, error),
) (LoadReport, error) {
	start := time.Now()
	have, err := count(ctx)
	if err != nil {
		return LoadReport{}, fmt.Errorf("sample: counting %s.%s: %w", Schema, table, err)
	}
	if have == want {
		return LoadReport{Table: table, Rows: have, Skipped: true, Duration: time.Since(start)}, nil
	}
	if err := reset(ctx); err != nil {
		return LoadReport{}, fmt.Errorf("sample: emptying %s.%s (it held %d rows, want %d): %w", Schema, table, have, want, err)
	}
	n, err := load(ctx)
	if err != nil {
		return LoadReport{}, fmt.Errorf("sample: loading %s.%s: %w", Schema, table, err)
	}
	if n != want {
		return LoadReport{}, fmt.Errorf("sample: loaded %d rows into %s.%s, want %d", n, Schema, table, want)
	}
	return LoadReport{Table: table, Rows: n, Duration: time.Since(start)}, nil
}

// logReports writes one line per report to w (nil: discard).
func logReports(w io.Writer, engine string, reps []LoadReport) {
	if w == nil {
		return
	}
	for _, r := range reps {
		fmt.Fprintf(w, "%s: %s\n", engine, r)
	}
}
