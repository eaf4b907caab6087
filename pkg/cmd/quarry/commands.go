package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/bigtent/quarry/pkg/plugin"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

func newFlagSet(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: quarry %s\n\nflags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return &printedError{err}
		}
		return &usageError{err}
	}
	if fs.NArg() > 0 {
		return &usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// planErrorJSON is the error reply of `quarry plan`.
type planErrorJSON struct {
	Error planErrorDetail `json:"error"`
}

type planErrorDetail struct {
	Message string         `json:"message"`
	Line    int            `json:"line"`
	Column  int            `json:"column"`
	Steps   []sqlplan.Step `json:"steps,omitempty"`
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writePlanError writes {"error":{"message","line","column"}} on stdout.
func writePlanError(w io.Writer, err error) error {
	d := planErrorDetail{Message: err.Error()}
	var pe *sqlplan.Error
	if errors.As(err, &pe) {
		d = planErrorDetail{Message: pe.Message, Line: pe.Line, Column: pe.Column, Steps: pe.Steps}
	}
	_ = writeJSON(w, planErrorJSON{Error: d})
	return &printedError{err}
}

// cmdPlan reads one JSON request on stdin and writes the JSON plan (pure: no
// engine). Errors are JSON too, with a non-zero exit.
func cmdPlan(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "plan", "plan [--explain] < request.json")
	explain := fs.Bool("explain", false, "print a human-readable explanation instead of JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	body, err := readAll(e.stdin)
	if err != nil {
		return err
	}
	req, err := sqlplan.DecodeRequest(bytes.NewReader(body))
	if err != nil {
		err = sqlplan.AsError(err)
		if *explain {
			return err
		}
		return writePlanError(e.stdout, err)
	}
	plan, err := sqlplan.Build(ctx, req)
	if err != nil {
		if *explain {
			return err
		}
		return writePlanError(e.stdout, err)
	}
	if *explain {
		_, err := fmt.Fprintln(e.stdout, sqlplan.Explain(plan))
		return err
	}
	return writeJSON(e.stdout, plan)
}

// readRequest reads a plan request on stdin for estimate and query; its
// dialect defaults to the engine's.
func readRequest(e *env, cf *connFlags) (sqlplan.Request, error) {
	body, err := readAll(e.stdin)
	if err != nil {
		return sqlplan.Request{}, err
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) == nil && obj["dialect"] == nil {
		jsonData, _, err := cf.config()
		if err != nil {
			return sqlplan.Request{}, err
		}
		d, _ := jsonData["engine"].(string)
		if d == "" {
			d = "duckdb"
		}
		obj["dialect"], _ = json.Marshal(d)
		body, _ = json.Marshal(obj)
	}
	req, err := sqlplan.DecodeRequest(bytes.NewReader(body))
	if err != nil {
		return req, sqlplan.AsError(err)
	}
	return req, nil
}

// cmdEstimate plans the request on stdin against a real engine and prints
// the plan and its cost (JSON with --output json).
func cmdEstimate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "estimate", "estimate [connection flags] [--output text|json] < request.json")
	var cf connFlags
	cf.register(fs)
	output := fs.String("output", "text", "text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	req, err := readRequest(e, &cf)
	if err != nil {
		return err
	}
	ds, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer ds.Dispose()
	done := progress(e.stderr, "estimating")
	est, err := ds.Service().EstimateRequest(ctx, req)
	done()
	if err != nil {
		return err
	}
	if *output == "json" {
		return writeJSON(e.stdout, est)
	}
	printPlan(e.stdout, est.Plan)
	printCost(e.stdout, est.Cost, ds.Service().Config().Budget)
	if est.Refused != "" {
		fmt.Fprintf(e.stdout, "REFUSED: %s\n", est.Refused)
	}
	return nil
}

// cmdQuery runs the request on stdin and prints the plan, the cost and the
// frames (aligned tables), or the frames as JSON or CSV.
func cmdQuery(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "query", "query [connection flags] [--output table|json|csv] [--rows N] < request.json")
	var cf connFlags
	cf.register(fs)
	output := fs.String("output", "table", "table, json or csv")
	rows := fs.Int("rows", 20, "rows to print per frame in table output (0 = all)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch *output {
	case "table", "json", "csv":
	default:
		return &usageError{fmt.Errorf("--output %q is not table, json or csv", *output)}
	}
	req, err := readRequest(e, &cf)
	if err != nil {
		return err
	}
	ds, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer ds.Dispose()
	res, err := runRequest(ctx, e, ds.Service(), req)
	if err != nil {
		return err
	}
	switch *output {
	case "json":
		return writeJSON(e.stdout, map[string]any{"plan": res.Plan, "cost": res.Cost, "stats": res.Stats, "cache": res.Cache.String(), "frames": res.Frames})
	case "csv":
		return writeCSV(e.stdout, res.Frames)
	}
	printPlan(e.stdout, res.Plan)
	printCost(e.stdout, res.Cost, ds.Service().Config().Budget)
	printFrames(e.stdout, res.Frames, *rows)
	return nil
}

// runRequest estimates then runs a plan request through the shared Service.
func runRequest(ctx context.Context, e *env, svc *plugin.Service, req sqlplan.Request) (*plugin.Result, error) {
	done := progress(e.stderr, "estimating")
	est, err := svc.EstimateRequest(ctx, req)
	done()
	if err != nil {
		return nil, err
	}
	if est.Refused != "" {
		printPlan(e.stdout, est.Plan)
		printCost(e.stdout, est.Cost, svc.Config().Budget)
		return nil, svc.CheckBudget(est.Cost)
	}
	done = progress(e.stderr, "running the query")
	res, err := svc.Run(ctx, plugin.QueryFromRequest("A", req), nil)
	done()
	if err != nil {
		return nil, err
	}
	res.Cost = est.Cost
	return res, nil
}
