package e2ebench

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	_ "github.com/duckdb/duckdb-go/v2" // database/sql driver "duckdb" for the typed scan and the fixture
	"github.com/jackc/pgx/v5"

	"github.com/bigtent/quarry/pkg/testenv"
)

// Schema is the schema (PostgreSQL, DuckDB) or database (ClickHouse) that
// holds the benchmark's tables, rows_<N>: N rows of (ts timestamptz or
// DateTime('UTC'), host text, v float8, n int8), one second apart.
const Schema = "quarry_e2e"

func table(rows int) string { return fmt.Sprintf("%s.rows_%d", Schema, rows) }

func querySQL(rows int) string { return "SELECT ts, host, v, n FROM " + table(rows) }

// Postgres prepares the table (once) and returns the PostgreSQL target.
func Postgres(ctx context.Context, info testenv.PostgresInfo, rows int) (Target, error) {
	c, err := pgx.Connect(ctx, info.DSN)
	if err != nil {
		return Target{}, fmt.Errorf("postgres: %w", err)
	}
	var n int64
	if c.QueryRow(ctx, "SELECT count(*) FROM "+table(rows)).Scan(&n) != nil || n != int64(rows) {
		for _, q := range []string{
			"CREATE SCHEMA IF NOT EXISTS " + Schema,
			"DROP TABLE IF EXISTS " + table(rows),
			fmt.Sprintf(`CREATE UNLOGGED TABLE %s AS
SELECT timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' AS ts, 'host-' || (g %% 100) AS host, g * 0.5::float8 AS v, g::int8 AS n
FROM generate_series(1, %d) g`, table(rows), rows),
			"ANALYZE " + table(rows),
		} {
			if _, err := c.Exec(ctx, q); err != nil {
				c.Close(ctx)
				return Target{}, fmt.Errorf("postgres: %s: %w", q, err)
			}
		}
	}
	sqlText := querySQL(rows)
	return Target{
		Engine: "postgres", SQL: sqlText,
		Quarry: map[string]any{"engine": "postgres", "host": info.Host, "port": info.Port, "database": info.Database,
			"user": info.User, "sslmode": "disable", "maxRows": rows, "cacheTTL": "0"},
		QuarrySecure: map[string]string{"password": "unused-with-trust-auth"},
		Peer:         map[string]any{"driver": "pgx", "dsn": info.DSN},
		Scan: func(ctx context.Context) (int, error) {
			r, err := c.Query(ctx, sqlText)
			if err != nil {
				return 0, err
			}
			defer r.Close()
			var (
				ts   time.Time
				host string
				v    float64
				n    int64
				cnt  int
			)
			for r.Next() {
				if err := r.Scan(&ts, &host, &v, &n); err != nil {
					return cnt, err
				}
				cnt++
			}
			return cnt, r.Err()
		},
		Close: func() { c.Close(context.Background()) },
	}, nil
}

// ClickHouse prepares the table (once) and returns the ClickHouse target.
// Both plugins' data sources use the benchmark's database.
func ClickHouse(ctx context.Context, info testenv.ClickHouseInfo, rows int) (Target, error) {
	conn, err := ch.Open(&ch.Options{Addr: []string{info.Addr}, Auth: ch.Auth{Database: info.Database, Username: info.User}})
	if err != nil {
		return Target{}, fmt.Errorf("clickhouse: %w", err)
	}
	var n uint64
	if conn.QueryRow(ctx, "SELECT count() FROM "+table(rows)).Scan(&n) != nil || n != uint64(rows) {
		for _, q := range []string{
			"CREATE DATABASE IF NOT EXISTS " + Schema,
			"DROP TABLE IF EXISTS " + table(rows),
			"CREATE TABLE " + table(rows) + " (ts DateTime('UTC'), host String, v Float64, n Int64) ENGINE = MergeTree ORDER BY ts",
			fmt.Sprintf(`INSERT INTO %s SELECT toDateTime('2024-01-01 00:00:00', 'UTC') + (number + 1) AS ts,
  concat('host-', toString((number + 1) %% 100)) AS host, (number + 1) * 0.5 AS v, toInt64(number + 1) AS n FROM numbers(%d)`, table(rows), rows),
		} {
			if err := conn.Exec(ctx, q); err != nil {
				conn.Close()
				return Target{}, fmt.Errorf("clickhouse: %s: %w", q, err)
			}
		}
	}
	host, port, err := net.SplitHostPort(info.Addr)
	if err != nil {
		conn.Close()
		return Target{}, fmt.Errorf("clickhouse: address %q: %w", info.Addr, err)
	}
	p, _ := strconv.Atoi(port)
	sqlText := querySQL(rows)
	return Target{
		Engine: "clickhouse", SQL: sqlText,
		// Uncompressed, as the peer's DSN and the typed scan read: the three
		// contenders move the same bytes (Quarry's default is lz4).
		Quarry: map[string]any{"engine": "clickhouse", "host": host, "port": p, "database": Schema, "user": info.User,
			"maxRows": rows, "cacheTTL": "0", "compression": "none"},
		Peer: map[string]any{"driver": "clickhouse", "dsn": fmt.Sprintf("clickhouse://%s@%s/%s", info.User, info.Addr, Schema)},
		Scan: func(ctx context.Context) (int, error) {
			r, err := conn.Query(ctx, sqlText)
			if err != nil {
				return 0, err
			}
			defer r.Close()
			var (
				ts   time.Time
				host string
				v    float64
				n    int64
				cnt  int
			)
			for r.Next() {
				if err := r.Scan(&ts, &host, &v, &n); err != nil {
					return cnt, err
				}
				cnt++
			}
			return cnt, r.Err()
		},
		Close: func() { conn.Close() },
	}, nil
}

// DuckDB builds (once) a database file holding the table under dir and
// returns the DuckDB target; every contender opens the file read-only.
func DuckDB(ctx context.Context, dir string, rows int) (Target, error) {
	path := filepath.Join(dir, fmt.Sprintf("e2e_rows_%d.duckdb", rows))
	if _, err := os.Stat(path); err != nil {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return Target{}, fmt.Errorf("duckdb: %w", err)
		}
		tmp := path + ".tmp"
		_ = os.Remove(tmp)
		db, err := sql.Open("duckdb", tmp)
		if err != nil {
			return Target{}, fmt.Errorf("duckdb: %w", err)
		}
		for _, q := range []string{
			"CREATE SCHEMA " + Schema,
			fmt.Sprintf(`CREATE TABLE %s AS SELECT TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i) AS ts, 'host-' || (i %% 100) AS host,
  i * 0.5::DOUBLE AS v, i::BIGINT AS n FROM range(1, %d) t(i) ORDER BY i`, table(rows), rows+1),
			"CHECKPOINT",
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				db.Close()
				return Target{}, fmt.Errorf("duckdb: %s: %w", q, err)
			}
		}
		if err := db.Close(); err != nil {
			return Target{}, fmt.Errorf("duckdb: %w", err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return Target{}, fmt.Errorf("duckdb: %w", err)
		}
	}
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		return Target{}, fmt.Errorf("duckdb: %w", err)
	}
	sqlText := querySQL(rows)
	return Target{
		Engine: "duckdb", SQL: sqlText,
		Quarry: map[string]any{"engine": "duckdb", "path": path, "maxRows": rows, "cacheTTL": "0"},
		Peer:   map[string]any{"driver": "duckdb", "dsn": path + "?access_mode=read_only"},
		Scan: func(ctx context.Context) (int, error) {
			r, err := db.QueryContext(ctx, sqlText)
			if err != nil {
				return 0, err
			}
			defer r.Close()
			var (
				ts   time.Time
				host string
				v    float64
				n    int64
				cnt  int
			)
			for r.Next() {
				if err := r.Scan(&ts, &host, &v, &n); err != nil {
					return cnt, err
				}
				cnt++
			}
			return cnt, r.Err()
		},
		Close: func() { db.Close() },
	}, nil
}
