package sample

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math/big"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// LoadDuckDB creates schema sample and its tables in db (a duckdb-go
// database) and appends the whole published sample (DefaultSeed). Tables that
// already hold the expected rows are left alone, so it is idempotent.
func LoadDuckDB(ctx context.Context, db *sql.DB) error {
	_, err := LoadDuckDBReport(ctx, db, New())
	return err
}

// LoadDuckDBReport is LoadDuckDB for any generator, reporting per table.
func LoadDuckDBReport(ctx context.Context, db *sql.DB, g *Generator) ([]LoadReport, error) {
	stmts, err := DDL(DialectDuckDB)
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("sample: duckdb connection: %w", err)
	}
	defer conn.Close()
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return nil, fmt.Errorf("sample: duckdb DDL %q: %w", firstLine(s), err)
		}
	}
	want := g.Counts()
	var reps []LoadReport
	for _, t := range Tables() {
		name := t.Name
		rep, err := loadTable(ctx, name, want[name],
			func(ctx context.Context) (n int64, err error) {
				err = conn.QueryRowContext(ctx, "SELECT count(*) FROM "+Schema+"."+name).Scan(&n)
				return n, err
			},
			func(ctx context.Context) error {
				_, err := conn.ExecContext(ctx, "DELETE FROM "+Schema+"."+name)
				return err
			},
			func(ctx context.Context) (n int64, err error) {
				err = conn.Raw(func(dc any) error {
					n, err = appendDuckDB(ctx, dc.(driver.Conn), g, name)
					return err
				})
				return n, err
			},
		)
		if err != nil {
			return reps, err
		}
		reps = append(reps, rep)
	}
	return reps, nil
}

func appendDuckDB(ctx context.Context, dc driver.Conn, g *Generator, table string) (n int64, err error) {
	if table == TableHTTPRequests {
		return appendDuckDBHTTP(ctx, dc, g)
	}
	app, err := duckdb.NewAppenderFromConn(dc, Schema, table)
	if err != nil {
		return 0, fmt.Errorf("appender: %w", err)
	}
	defer func() {
		if cerr := app.CloseWithCancel(ctx); cerr != nil && err == nil {
			err = fmt.Errorf("appender flush: %w", cerr)
		}
	}()
	switch table {
	case TableEvents:
		for e := range g.Events() {
			amount := duckdb.Decimal{Width: 12, Scale: 2, Value: big.NewInt(e.AmountCents)}
			if err := app.AppendRow(e.EventDate, e.EventTime, e.EventMS, e.EventS, e.UserID, e.Name, e.Country, amount); err != nil {
				return n, err
			}
			n++
		}
	case TableLogs:
		for l := range g.Logs() {
			if err := app.AppendRow(l.TS, l.Level, l.Message, l.Labels, l.Service, l.Host); err != nil {
				return n, err
			}
			n++
		}
	case TableDeploys:
		for d := range g.Deploys() {
			if err := app.AppendRow(d.TS, d.EndTS, d.Title, d.Text, d.Tags, d.Service); err != nil {
				return n, err
			}
			n++
		}
	default:
		return 0, fmt.Errorf("sample: unknown table %q", table)
	}
	return n, nil
}

// appendDuckDBHTTP loads http_requests. Appending a string costs a cgo call
// per value, so the appender takes only numbers (series and method as small
// integers) into a temporary table, and one INSERT ... SELECT joins the
// strings back in: about twice as fast as appending the strings.
func appendDuckDBHTTP(ctx context.Context, dc driver.Conn, g *Generator) (n int64, err error) {
	exec := func(q string) error {
		ex, ok := dc.(driver.ExecerContext)
		if !ok {
			return fmt.Errorf("duckdb connection cannot exec")
		}
		_, err := ex.ExecContext(ctx, q, nil)
		return err
	}
	ss := allSeries()
	var values strings.Builder
	for i, sr := range ss {
		if i > 0 {
			values.WriteString(", ")
		}
		fmt.Fprintf(&values, "(%d, '%s', '%s', '%s')", i, sr.host, sr.service, sr.region)
	}
	for _, q := range []string{
		"CREATE OR REPLACE TEMP TABLE quarry_series (id UTINYINT, host VARCHAR, service VARCHAR, region VARCHAR)",
		"INSERT INTO quarry_series VALUES " + values.String(),
		"CREATE OR REPLACE TEMP TABLE quarry_methods (id UTINYINT, method VARCHAR)",
		"INSERT INTO quarry_methods VALUES (0, 'GET'), (1, 'POST'), (2, 'PUT'), (3, 'DELETE')",
		"CREATE OR REPLACE TEMP TABLE quarry_http_raw (ts TIMESTAMPTZ, series UTINYINT, method UTINYINT, status INTEGER, requests BIGINT, errors BIGINT, latency_ms DOUBLE, bytes BIGINT)",
	} {
		if err := exec(q); err != nil {
			return 0, fmt.Errorf("%s: %w", firstLine(q), err)
		}
	}
	defer exec("DROP TABLE IF EXISTS quarry_http_raw; DROP TABLE IF EXISTS quarry_series; DROP TABLE IF EXISTS quarry_methods")
	app, err := duckdb.NewAppender(dc, "temp", "main", "quarry_http_raw")
	if err != nil {
		return 0, fmt.Errorf("appender: %w", err)
	}
	s := 0
	for r := range g.HTTPRequests() {
		// Rows come in (minute, series) order: row n belongs to series n%24.
		if r.Host != ss[s].host || r.Service != ss[s].service {
			app.Close()
			return n, fmt.Errorf("row %d is %s/%s, want series %d (%s/%s)", n, r.Host, r.Service, s, ss[s].host, ss[s].service)
		}
		m := uint8(0)
		switch r.Method {
		case "POST":
			m = 1
		case "PUT":
			m = 2
		case "DELETE":
			m = 3
		}
		if err := app.AppendRow(r.TS, uint8(s), m, r.Status, r.Requests, r.Errors, r.LatencyMS, r.Bytes); err != nil {
			app.Close()
			return n, err
		}
		n++
		if s++; s == numSeries {
			s = 0
		}
	}
	if err := app.CloseWithCancel(ctx); err != nil {
		return n, fmt.Errorf("appender flush: %w", err)
	}
	q := `INSERT INTO sample.http_requests
SELECT r.ts, s.host, s.service, s.region, m.method, r.status, r.requests, r.errors, r.latency_ms, r.bytes
FROM quarry_http_raw r JOIN quarry_series s ON s.id = r.series JOIN quarry_methods m ON m.id = r.method
ORDER BY r.ts, r.series`
	if err := exec(q); err != nil {
		return n, fmt.Errorf("copying http_requests: %w", err)
	}
	return n, nil
}
