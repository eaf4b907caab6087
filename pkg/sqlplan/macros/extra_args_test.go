package macros_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
	"github.com/bigtent/quarry/pkg/sqlplan/macros"
)

// TestTimeFilterExtraArguments: on PostgreSQL, $__timeFilter(col, x)
// expands like $__timeFilter(col), as Grafana's PostgreSQL data source
// reads only the first argument, and the step says that the rest was
// ignored; the other dialects keep the positioned argument-count error.
func TestTimeFilterExtraArguments(t *testing.T) {
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	call := macros.Call{Name: "timeFilter", Parens: true, Start: 7,
		Args: []macros.Arg{{Text: "time", Start: 21}, {Text: "'5m'", Start: 27}}}
	one := macros.Call{Name: "timeFilter", Parens: true, Start: 7, Args: call.Args[:1]}
	for _, tc := range []struct {
		d       dialect.Name
		wantErr string
	}{
		{dialect.Postgres, ""},
		{dialect.ClickHouse, "wrong number of arguments: got 2, want 1"},
		{dialect.DuckDB, "wrong number of arguments: got 2, want 1"},
		{dialect.BigQuery, "wrong number of arguments: got 2, want 1"},
	} {
		env, err := macros.NewEnv(macros.Config{Dialect: tc.d, From: from, To: from.Add(time.Hour), IntervalMs: 60000})
		if err != nil {
			t.Fatal(err)
		}
		got, err := macros.Expand(env, call)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want %q", tc.d, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.d, err)
		}
		want, err := macros.Expand(env, one)
		if err != nil {
			t.Fatal(err)
		}
		if got.SQL != want.SQL {
			t.Errorf("%s: SQL %q, want the one-argument form's %q", tc.d, got.SQL, want.SQL)
		}
		if !strings.Contains(got.Detail, "1 argument(s) after the first ignored") {
			t.Errorf("%s: step %q does not say the extra argument was ignored", tc.d, got.Detail)
		}
	}
}
