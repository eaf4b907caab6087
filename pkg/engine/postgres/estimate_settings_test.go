package postgres_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// TestEstimateRunsWithQuerySettings: EXPLAIN runs under the query's
// read-only transaction and statement_timeout. An IMMUTABLE function is
// evaluated while planning, so one that raises an error naming the session's
// settings shows what the estimate ran with; the query reports the same.
func TestEstimateRunsWithQuerySettings(t *testing.T) {
	e, info := open(t)
	c := admin(t, info)
	ctx := context.Background()
	for _, q := range []string{
		"CREATE SCHEMA IF NOT EXISTS quarry_chbackstop",
		`CREATE OR REPLACE FUNCTION quarry_chbackstop.settings_probe() RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'probe: statement_timeout=% read_only=%', current_setting('statement_timeout'), current_setting('transaction_read_only');
END $$`,
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	const timeout = 20 * time.Second
	plan := &sqlplan.Plan{SQL: "SELECT 1 WHERE 1 = quarry_chbackstop.settings_probe()", Statement: "select"}
	probe := regexp.MustCompile(`probe: statement_timeout=\S+ read_only=\S+`)

	_, _, err := e.Query(ctx, plan, engine.QueryOptions{Timeout: timeout})
	query := probe.FindString(errString(err))
	if query != "probe: statement_timeout=21s read_only=on" {
		t.Fatalf("the query ran with %q (error %v)", query, err)
	}
	// The plugin bounds an estimate by the data source's queryTimeout, the
	// query's timeout.
	ectx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err = e.Estimate(ectx, plan)
	if got := probe.FindString(errString(err)); got != query {
		t.Fatalf("the estimate ran with %q, the query with %q (error %v)", got, query, err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
