package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bigtent/quarry/pkg/migrate"
)

const migrateUsage = `quarry migrate [--uid ENGINE=UID ...] [--name NAME=PLUGIN ...] [--report FILE] < dashboard.json > quarry.json

Converts a dashboard exported from Grafana that uses the Altinity ClickHouse plugin, the official ClickHouse
plugin, G-BQ / Grafana's BigQuery plugin or Grafana's PostgreSQL data source into one that uses Quarry. The
converted dashboard goes to stdout, the report (what was converted, what could not be) to stderr or FILE.

  --uid clickhouse=UID   the Quarry data source for that engine (clickhouse, postgres, bigquery); without it
                         the dashboard gets an input ${DS_QUARRY_CLICKHOUSE} that Grafana asks for on import
  --name NAME=PLUGIN     the plugin of a data source referred to by name only (PLUGIN: altinity, clickhouse,
                         bigquery, postgres)
`

// pairs is a repeatable KEY=VALUE flag.
type pairs map[string]string

func (p pairs) String() string { return fmt.Sprint(map[string]string(p)) }

func (p pairs) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" || v == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", s)
	}
	p[k] = v
	return nil
}

func cmdMigrate(_ context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprint(e.stderr, migrateUsage) }
	uids, names := pairs{}, pairs{}
	fs.Var(uids, "uid", "ENGINE=UID of the Quarry data source")
	fs.Var(names, "name", "NAME=PLUGIN of a data source named in the dashboard")
	reportFile := fs.String("report", "", "write the report to FILE instead of stderr")
	if err := fs.Parse(args); err != nil {
		return &usageError{err}
	}
	o := migrate.Options{UIDs: map[string]string(uids), Names: map[string]migrate.Source{}}
	for n, p := range names {
		switch s := migrate.Source(p); s {
		case migrate.Altinity, migrate.ClickHouse, migrate.GBQ, migrate.Postgres:
			o.Names[n] = s
		default:
			return &usageError{fmt.Errorf("--name %s=%s: the plugin must be altinity, clickhouse, bigquery or postgres", n, p)}
		}
	}
	in, err := io.ReadAll(io.LimitReader(e.stdin, 64<<20))
	if err != nil {
		return &usageError{fmt.Errorf("read the dashboard: %w", err)}
	}
	out, rep, err := migrate.Dashboard(in, o)
	if err != nil {
		return &usageError{err}
	}
	if _, err := e.stdout.Write(out); err != nil {
		return err
	}
	if *reportFile != "" {
		return os.WriteFile(*reportFile, []byte(rep.String()), 0o644)
	}
	_, err = io.WriteString(e.stderr, rep.String())
	return err
}
