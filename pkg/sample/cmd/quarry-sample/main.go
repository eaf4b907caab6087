// Command quarry-sample writes and loads Quarry's deterministic sample data.
//
//	quarry-sample ddl postgres|clickhouse|duckdb        print the schema DDL
//	quarry-sample counts [-emulator] [-markdown]         print the row count of every table
//	quarry-sample yaml -out FILE [-project P -dataset D] write the BigQuery emulator's --data-from-yaml file
//	quarry-sample load -engine postgres -dsn DSN
//	quarry-sample load -engine clickhouse -addr HOST:PORT
//	quarry-sample load -engine bigquery -endpoint URL [-project P -dataset D]
//	quarry-sample load -engine duckdb -path FILE
//
// Loading is idempotent: tables that already hold the expected rows are skipped.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"cloud.google.com/go/bigquery"
	"github.com/jackc/pgx/v5"
	"google.golang.org/api/option"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" database/sql driver

	"github.com/bigtent/quarry/pkg/sample"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "quarry-sample:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  quarry-sample ddl postgres|clickhouse|duckdb
  quarry-sample counts [-emulator] [-markdown]
  quarry-sample yaml -out FILE [-project quarry] [-dataset sample]
  quarry-sample load -engine postgres|clickhouse|bigquery|duckdb [-dsn DSN | -addr HOST:PORT | -endpoint URL | -path FILE]`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	g := sample.New()
	switch args[0] {
	case "ddl":
		if len(args) != 2 {
			return errors.New(usage)
		}
		s, err := sample.DDLScript(args[1])
		if err != nil {
			return err
		}
		_, err = io.WriteString(stdout, s)
		return err
	case "counts":
		fs := flag.NewFlagSet("counts", flag.ContinueOnError)
		emu := fs.Bool("emulator", false, "counts of the BigQuery emulator subset")
		md := fs.Bool("markdown", false, "print a markdown table of both")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *md {
			return writeMarkdown(stdout, g)
		}
		c := g.Counts()
		if *emu {
			c = g.EmulatorCounts()
		}
		for _, n := range c.Names() {
			fmt.Fprintf(stdout, "%s\t%d\n", n, c[n])
		}
		return nil
	case "yaml":
		fs := flag.NewFlagSet("yaml", flag.ContinueOnError)
		out := fs.String("out", "", "output file (required)")
		project := fs.String("project", "quarry", "BigQuery project")
		dataset := fs.String("dataset", sample.Schema, "BigQuery dataset")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *out == "" {
			return errors.New("yaml: -out FILE is required")
		}
		return writeFileAtomic(*out, func(w io.Writer) error { return sample.WriteEmulatorYAML(w, g, *project, *dataset) })
	case "load":
		return load(ctx, g, args[1:], stderr)
	default:
		return fmt.Errorf("unknown command %q\n%s", args[0], usage)
	}
}

func load(ctx context.Context, g *sample.Generator, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	engine := fs.String("engine", "", "postgres, clickhouse, bigquery or duckdb")
	dsn := fs.String("dsn", "", "PostgreSQL DSN")
	addr := fs.String("addr", "", "ClickHouse native address host:port")
	endpoint := fs.String("endpoint", "", "BigQuery emulator endpoint, e.g. http://127.0.0.1:59050")
	project := fs.String("project", "quarry", "BigQuery project")
	dataset := fs.String("dataset", sample.Schema, "BigQuery dataset")
	path := fs.String("path", "", "DuckDB database file")
	timeout := fs.Duration("timeout", 20*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	start := time.Now()
	var reps []sample.LoadReport
	var err error
	switch *engine {
	case "postgres":
		if *dsn == "" {
			return errors.New("load: -dsn is required for postgres")
		}
		conn, cerr := pgx.Connect(ctx, *dsn)
		if cerr != nil {
			return fmt.Errorf("load: connecting to postgres (start it with scripts/services.sh start): %w", cerr)
		}
		defer conn.Close(context.Background())
		reps, err = sample.LoadPostgres(ctx, conn, g)
	case "clickhouse":
		if *addr == "" {
			return errors.New("load: -addr is required for clickhouse")
		}
		conn, cerr := sample.OpenClickHouse(ctx, *addr)
		if cerr != nil {
			return cerr
		}
		defer conn.Close()
		reps, err = sample.LoadClickHouse(ctx, conn, g)
	case "bigquery":
		if *endpoint == "" {
			return errors.New("load: -endpoint is required for bigquery")
		}
		client, cerr := bigquery.NewClient(ctx, *project, option.WithEndpoint(*endpoint), option.WithoutAuthentication())
		if cerr != nil {
			return fmt.Errorf("load: bigquery client for %s: %w", *endpoint, cerr)
		}
		defer client.Close()
		reps, err = sample.LoadBigQuery(ctx, client, *dataset, g)
	case "duckdb":
		if *path == "" {
			return errors.New("load: -path is required for duckdb")
		}
		reps, err = loadDuckDBFile(ctx, g, *path)
	default:
		return fmt.Errorf("load: unknown -engine %q (want postgres, clickhouse, bigquery or duckdb)", *engine)
	}
	for _, r := range reps {
		fmt.Fprintf(stderr, "quarry-sample: %s: %s\n", *engine, r)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "quarry-sample: %s: sample ready in %s\n", *engine, time.Since(start).Round(time.Millisecond))
	return nil
}

// loadDuckDBFile builds the sample into a DuckDB file (do not name it
// sample.duckdb: its catalog would clash with schema sample), writing a temporary
// file and renaming it so readers never see a half-built database.
func loadDuckDBFile(ctx context.Context, g *sample.Generator, path string) ([]sample.LoadReport, error) {
	if _, err := os.Stat(path); err == nil {
		db, err := sql.Open("duckdb", path)
		if err != nil {
			return nil, fmt.Errorf("load: opening duckdb %s: %w", path, err)
		}
		defer db.Close()
		return sample.LoadDuckDBReport(ctx, db, g)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	// DuckDB names the catalog after the file; keep it distinct from schema sample.
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf("tmp-%d-%s", os.Getpid(), filepath.Base(path)))
	db, err := sql.Open("duckdb", tmp)
	if err != nil {
		return nil, fmt.Errorf("load: creating duckdb %s: %w", tmp, err)
	}
	reps, err := sample.LoadDuckDBReport(ctx, db, g)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		os.Remove(tmp + ".wal")
		return reps, err
	}
	return reps, os.Rename(tmp, path)
}

func writeFileAtomic(path string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.tmp.%d", path, os.Getpid())
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

func writeMarkdown(w io.Writer, g *sample.Generator) error {
	full, emu := g.Counts(), g.EmulatorCounts()
	fmt.Fprintln(w, "| table | PostgreSQL, ClickHouse, DuckDB | BigQuery emulator |")
	fmt.Fprintln(w, "|---|---:|---:|")
	for _, n := range full.Names() {
		fmt.Fprintf(w, "| `%s` | %d | %d |\n", n, full[n], emu[n])
	}
	var shards, shardRows int64
	for _, n := range emu.Names() {
		if _, ok := full[n]; !ok {
			shards++
			shardRows += emu[n]
		}
	}
	fmt.Fprintf(w, "| `events_YYYYMMDD` (%d shards, BigQuery only) | - | %d in total |\n", shards, shardRows)
	return nil
}
