// Command quarry is Quarry's command-line tool: it plans, estimates and runs
// dashboard SQL through the same planner, engines and frames as the Grafana
// plugin, serves the plugin's endpoints over HTTP for local development, and
// tours the sample data (quarry demo).
//
// Exit codes:
//
//	0  success
//	1  the query or the engine failed (SQL error, connection, timeout)
//	2  usage: unknown command or flag, unreadable input
//	3  the planner rejected the request (error JSON with line and column)
//	4  a guardrail refused the query (estimate over the budget)
//	5  the data source settings are invalid
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/plugin"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// Exit codes.
const (
	exitOK       = 0
	exitFailed   = 1
	exitUsage    = 2
	exitPlan     = 3
	exitRefused  = 4
	exitSettings = 5
)

const usage = `quarry: plan, estimate and run dashboard SQL the way the Quarry Grafana plugin does.

Usage:
  quarry demo     [connection flags]          tour the sample data: plans, costs and frames
  quarry plan     [--explain] < request.json   print the plan of a JSON request
  quarry estimate [connection flags] < request.json
  quarry query    [connection flags] [--output table|json|csv] < request.json
  quarry serve    [connection flags] --addr 127.0.0.1:PORT [--uid UID]
  quarry migrate  [--uid ENGINE=UID] < dashboard.json > quarry.json   convert another plugin's dashboard

Connection flags (default: embedded DuckDB with the sample data):
  --engine duckdb|postgres|clickhouse|bigquery
  --dsn DSN              postgres://user:pass@host:port/db?sslmode=disable
                         clickhouse://user:pass@host:port/db
                         bigquery://project/dataset?endpoint=http://127.0.0.1:9050&location=US
                         duckdb:///path/to/file.duckdb (default: in-memory with the sample)
  --settings FILE        a JSON file {"jsonData": {...}, "secureJsonData": {...}} as in Grafana
  --max-rows N --max-bytes N --max-usd X --timeout D   override settings

Run "quarry COMMAND --help" for a command's flags. Exit codes: 0 ok, 1 query or engine
failure, 2 usage, 3 planner error, 4 refused by a guardrail, 5 invalid settings.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command and returns its exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	env := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	var err error
	switch args[0] {
	case "plan":
		err = cmdPlan(ctx, env, args[1:])
	case "estimate":
		err = cmdEstimate(ctx, env, args[1:])
	case "query":
		err = cmdQuery(ctx, env, args[1:])
	case "serve":
		err = cmdServe(ctx, env, args[1:])
	case "demo":
		err = cmdDemo(ctx, env, args[1:])
	case "migrate":
		err = cmdMigrate(ctx, env, args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "quarry: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	var printed *printedError
	if !errors.As(err, &printed) {
		fmt.Fprintf(stderr, "quarry %s: %v\n", args[0], err)
	}
	return code
}

// env is a command's standard streams.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// usageError is bad command-line input.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// printedError has already been reported on stdout or stderr.
type printedError struct{ err error }

func (e *printedError) Error() string { return e.err.Error() }
func (e *printedError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var (
		ue *usageError
		pe *sqlplan.Error
		be *engine.BudgetError
		se *plugin.SettingsError
	)
	switch {
	case errors.As(err, &ue):
		return exitUsage
	case errors.As(err, &pe):
		return exitPlan
	case errors.As(err, &be):
		return exitRefused
	case errors.As(err, &se):
		return exitSettings
	default:
		return exitFailed
	}
}
