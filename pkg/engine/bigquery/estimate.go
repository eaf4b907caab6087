package bigquery

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	bq "cloud.google.com/go/bigquery"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// dryRunResult is what a dry run tells about a query.
type dryRunResult struct {
	StatementType       string
	TotalBytesProcessed int64
	Accuracy            string
	ReferencedTables    []string
}

// dryRun validates sql and returns its statistics without running it.
func (e *Engine) dryRun(ctx context.Context, sql string, opts engine.QueryOptions) (dryRunResult, error) {
	q := e.newQuery(sql, opts)
	q.DryRun = true
	job, err := q.Run(ctx)
	if err != nil {
		return dryRunResult{}, err
	}
	st := job.LastStatus()
	if st == nil {
		return dryRunResult{}, errors.New("dry run returned no job status")
	}
	if err := st.Err(); err != nil {
		return dryRunResult{}, err
	}
	var r dryRunResult
	if st.Statistics != nil {
		if qs, ok := st.Statistics.Details.(*bq.QueryStatistics); ok {
			r.StatementType = qs.StatementType
			r.TotalBytesProcessed = qs.TotalBytesProcessed
			r.Accuracy = qs.TotalBytesProcessedAccuracy
			for _, t := range qs.ReferencedTables {
				r.ReferencedTables = append(r.ReferencedTables, t.ProjectID+"."+t.DatasetID+"."+t.TableID)
			}
			sort.Strings(r.ReferencedTables)
		}
	}
	return r, nil
}

// costOf turns dry-run statistics into a cost. Against the emulator the
// kind is unknown and no number is given (see Estimate).
func (e *Engine) costOf(dr dryRunResult) engine.Cost {
	cost := engine.Cost{StatementType: dr.StatementType, ReferencedTables: dr.ReferencedTables}
	if e.isEmulator() {
		cost.Kind = engine.CostUnknown
		return cost
	}
	cost.Bytes = dr.TotalBytesProcessed
	cost.USD = e.usd(cost.Bytes)
	switch dr.Accuracy {
	case "PRECISE":
		cost.Kind = engine.CostExact
	case "UPPER_BOUND":
		cost.Kind = engine.CostUpperBound
	default: // LOWER_BOUND, UNKNOWN or not reported
		cost.Kind = engine.CostEstimate
	}
	return cost
}

// Estimate dry-runs the plan: bytes processed, referenced tables and the
// statement type; usd = bytes / 2^40 x price per TiB. Against an endpoint
// that is not Google's (the emulator) the kind is unknown: the emulator's
// dry run reports the size of the result, not the bytes a job would scan.
func (e *Engine) Estimate(ctx context.Context, plan *sqlplan.Plan) (engine.Cost, error) {
	if plan == nil || plan.SQL == "" {
		return engine.Cost{}, errors.New("bigquery: empty query; nothing to estimate")
	}
	// The query's job settings (newQuery) and timeout: the configured one,
	// or less when ctx ends sooner.
	timeout := engine.EstimateTimeout(ctx, time.Duration(e.settings.QueryTimeout))
	qctx, cancel := engine.WithTimeout(ctx, timeout)
	defer cancel()
	dr, err := e.dryRun(qctx, plan.SQL, engine.QueryOptions{})
	if err != nil {
		return engine.Cost{}, e.queryError(ctx, qctx, err, "", timeout)
	}
	cost := e.costOf(dr)
	if e.isEmulator() {
		cost.Kind = engine.CostUnknown
		cost.StatementType = ""
		cost.Notes = append(cost.Notes, fmt.Sprintf(
			"no estimate: %s is not Google BigQuery; its dry run runs the query and reports the size of the result (%d bytes) instead of the bytes a job would scan, always says SELECT and lists no tables",
			e.settings.Endpoint, dr.TotalBytesProcessed))
		return cost, nil
	}
	if dr.Accuracy == "LOWER_BOUND" {
		cost.Notes = append(cost.Notes, "BigQuery says this is a lower bound of the bytes processed")
	}
	cost.Notes = append(cost.Notes, fmt.Sprintf("on-demand price %.2f USD per TiB; BigQuery bills at least 10 MiB per referenced table", e.settings.PricePerTiB))
	if m := e.settings.MaxBytesBilled; m > 0 && cost.Bytes > m {
		cost.Notes = append(cost.Notes, fmt.Sprintf("the job would fail: %d bytes exceed maximumBytesBilled (%d)", cost.Bytes, m))
	}
	if dr.StatementType != "" && dr.StatementType != "SELECT" {
		cost.Notes = append(cost.Notes, fmt.Sprintf("a %s statement: Quarry will refuse to run it", dr.StatementType))
	}
	return cost, nil
}
