package sample

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math/big"

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
	case TableHTTPRequests:
		for r := range g.HTTPRequests() {
			if err := app.AppendRow(r.TS, r.Host, r.Service, r.Region, r.Method, r.Status, r.Requests, r.Errors, r.LatencyMS, r.Bytes); err != nil {
				return n, err
			}
			n++
		}
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
