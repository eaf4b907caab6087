package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// Estimate runs EXPLAIN (FORMAT JSON) in a read-only transaction with the
// query's statement_timeout (the configured timeout, or less when ctx ends
// sooner: engine.EstimateTimeout): the planner's total cost, its row estimate and rows x width as the result size.
func (e *Engine) Estimate(ctx context.Context, plan *sqlplan.Plan) (engine.Cost, error) {
	if st := strings.ToLower(plan.Statement); st != "" && st != "select" {
		return engine.Cost{Kind: engine.CostUnknown, StatementType: st, Notes: []string{"EXPLAIN estimates SELECT statements only"}}, nil
	}
	timeout := engine.EstimateTimeout(ctx, time.Duration(e.settings.QueryTimeout))
	qctx, cancel := engine.WithTimeout(ctx, timeout)
	defer cancel()
	e.session.ready(qctx, e.pool)
	tx, err := e.pool.BeginTx(qctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return engine.Cost{}, engine.Classify(ctx, qctx, timeout, wrapPgError(err, ""))
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	// The query's server-side timeout too (unless the connection's own
	// default is that one): planning evaluates immutable functions, so an
	// EXPLAIN can run user code.
	if timeout > 0 && !e.session.covers(tx.Conn().PgConn(), statementTimeout(timeout)) {
		if _, err := tx.Exec(qctx, fmt.Sprintf("SET LOCAL statement_timeout = %d", statementTimeout(timeout))); err != nil {
			return engine.Cost{}, engine.Classify(ctx, qctx, timeout, wrapPgError(err, ""))
		}
	}
	var raw []byte
	if err := tx.QueryRow(qctx, "EXPLAIN (FORMAT JSON) "+plan.SQL).Scan(&raw); err != nil {
		return engine.Cost{}, engine.Classify(ctx, qctx, timeout, wrapPgError(err, "EXPLAIN (FORMAT JSON) "+plan.SQL))
	}
	return parseExplain(raw)
}

type explainNode struct {
	NodeType     string        `json:"Node Type"`
	TotalCost    float64       `json:"Total Cost"`
	PlanRows     float64       `json:"Plan Rows"`
	PlanWidth    int64         `json:"Plan Width"`
	RelationName string        `json:"Relation Name"`
	Schema       string        `json:"Schema"`
	Plans        []explainNode `json:"Plans"`
}

func parseExplain(raw []byte) (engine.Cost, error) {
	var out []struct {
		Plan explainNode `json:"Plan"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || len(out) == 0 {
		return engine.Cost{}, engine.Plugin(fmt.Errorf("postgres: reading EXPLAIN output: %v", err))
	}
	root := out[0].Plan
	tables := map[string]bool{}
	var walk func(n explainNode)
	walk = func(n explainNode) {
		if n.RelationName != "" {
			name := n.RelationName
			if n.Schema != "" {
				name = n.Schema + "." + name
			}
			tables[name] = true
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(root)
	refs := make([]string, 0, len(tables))
	for t := range tables {
		refs = append(refs, t)
	}
	sort.Strings(refs)
	rows := int64(root.PlanRows)
	return engine.Cost{
		Rows:             rows,
		Bytes:            rows * root.PlanWidth,
		EngineCost:       root.TotalCost,
		Kind:             engine.CostEstimate,
		ReferencedTables: refs,
		StatementType:    "SELECT",
		Notes: []string{fmt.Sprintf("planner estimate: total cost %.2f, %d rows x %d bytes wide; bytes is the result size, not bytes scanned",
			root.TotalCost, rows, root.PlanWidth)},
	}, nil
}
