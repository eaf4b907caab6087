package bigquery

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// TestCheckDatasets holds the dry-run check to allowedDatasets with a narrow
// fake of what a dry run reports (referencedTables, or a failure): the
// emulator never reports tables, Google's BigQuery does.
func TestCheckDatasets(t *testing.T) {
	allowed := []string{"sample", "shared.pub"}
	const sql = "SELECT *\nFROM sample.v JOIN `other.t` USING (k)\nJOIN events_* ON true"
	for _, tt := range []struct {
		name       string
		sql        string
		referenced []string
		dryRunErr  error
		// want is "" for no refusal, else words of the message.
		want       string
		line, col  int
		steps      int
		optionWord string // "to allow it, add ..." or "" when no option can
	}{
		{name: "every table allowed", sql: sql, referenced: []string{"quarry.sample.t", "shared.pub.x", "quarry.sample.events_2024"}},
		{name: "allowed, other case", sql: sql, referenced: []string{"QUARRY.Sample.t"}},
		{name: "a view reads another dataset", sql: sql, referenced: []string{"quarry.sample.t", "quarry.secret.users"},
			want: "dataset quarry.secret is not among the data source's allowed datasets (sample, shared.pub)", line: 2, col: 6, steps: 1,
			optionWord: `add "secret" to the data source option allowedDatasets`},
		{name: "another project", sql: sql, referenced: []string{"other.x.t"},
			want: "dataset other.x is not among", line: 2, col: 20, steps: 1, optionWord: `add "other.x"`},
		{name: "a wildcard table's match outside", sql: sql, referenced: []string{"quarry.secret.events_2024"},
			want: "dataset quarry.secret", line: 3, col: 6, steps: 1},
		{name: "two refusals", sql: sql, referenced: []string{"quarry.a.t", "quarry.b.events_1"},
			want: "(and 1 more refusals", line: 2, col: 20, steps: 2},
		{name: "no tables reported", sql: sql, referenced: nil,
			want: "the dry run reported no tables for this query, so none can be checked; while the data source option allowedDatasets is set", line: 2, col: 6, steps: 1,
			optionWord: "no data source option allows it"},
		{name: "no tables and none named", sql: "SELECT 1", referenced: nil},
		{name: "a table without a dataset", sql: sql, referenced: []string{"t"},
			want: "without a project and dataset that can be checked", line: 2, col: 20, steps: 1},
		{name: "a wildcard dataset", sql: sql, referenced: []string{"quarry.s*.t"},
			want: "without a project and dataset", steps: 1, line: 2, col: 20},
		{name: "the dry run fails", sql: sql, dryRunErr: errors.New("Not found: Table quarry:sample.v"),
			want: "the dry run that lists the tables failed (Not found: Table quarry:sample.v)", line: 2, col: 6, steps: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			plan := &sqlplan.Plan{SQL: tt.sql, Request: sqlplan.Request{RawSQL: tt.sql}}
			err := checkDatasets(plan, allowed, "quarry", tt.referenced, tt.dryRunErr)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var pe *sqlplan.Error
			if !errors.As(err, &pe) {
				t.Fatalf("want a *sqlplan.Error, got %T %v", err, err)
			}
			if !strings.Contains(pe.Message, tt.want) || !strings.Contains(pe.Message, "allowedDatasets") {
				t.Errorf("message %q lacks %q or the option's name", pe.Message, tt.want)
			}
			if tt.optionWord != "" && !strings.Contains(pe.Message, tt.optionWord) {
				t.Errorf("message %q lacks %q", pe.Message, tt.optionWord)
			}
			if pe.Line != tt.line || pe.Column != tt.col {
				t.Errorf("at %d:%d, want %d:%d", pe.Line, pe.Column, tt.line, tt.col)
			}
			if len(pe.Steps) != tt.steps {
				t.Errorf("%d steps, want %d: %+v", len(pe.Steps), tt.steps, pe.Steps)
			}
			for _, s := range pe.Steps {
				if s.Kind != "refused" || s.Span == nil {
					t.Errorf("step %+v", s)
				}
			}
		})
	}
}

// TestEmulatorAllowedDatasets: with allowedDatasets set, the emulator's dry
// run (which reports no tables) leaves a query that reads a table
// uncheckable, so the engine refuses it; a query without tables runs.
func TestEmulatorAllowedDatasets(t *testing.T) {
	e := emulatorEngine(t, Settings{AllowedDatasets: []string{"sample"}})
	sql := "SELECT count(*) AS n\nFROM sample.deploys"
	_, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: sql, Statement: "select", Request: sqlplan.Request{RawSQL: sql}}, engine.QueryOptions{})
	var pe *sqlplan.Error
	if !errors.As(err, &pe) || pe.Line != 2 || pe.Column != 6 || !strings.Contains(pe.Message, "allowedDatasets") ||
		!strings.Contains(pe.Message, "the dry run reported no tables") || len(pe.Steps) != 1 {
		t.Fatalf("want a positioned refusal naming allowedDatasets, got %T %v", err, err)
	}
	tbl, _ := run(t, e, "SELECT 1 AS one", 0, engine.QueryOptions{})
	if tbl.Len() != 1 {
		t.Fatalf("SELECT 1: %d rows", tbl.Len())
	}
	// Without the option nothing changes.
	open := emulatorEngine(t, Settings{})
	if tbl, _ := run(t, open, sql, 0, engine.QueryOptions{}); tbl.Len() != 1 {
		t.Fatalf("without allowedDatasets: %d rows", tbl.Len())
	}
}
