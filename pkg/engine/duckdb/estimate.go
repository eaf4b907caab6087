//go:build cgo

package duckdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// explainNode is one operator of DuckDB's EXPLAIN (FORMAT JSON) output.
type explainNode struct {
	Name      string          `json:"name"`
	Children  []explainNode   `json:"children"`
	ExtraInfo json.RawMessage `json:"extra_info"`
}

// cardinality returns the operator's "Estimated Cardinality" when present.
func (n *explainNode) cardinality() (int64, bool) {
	var info map[string]any
	if len(n.ExtraInfo) == 0 || json.Unmarshal(n.ExtraInfo, &info) != nil {
		return 0, false
	}
	v, ok := info["Estimated Cardinality"]
	if !ok {
		return 0, false
	}
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	c, err := strconv.ParseInt(strings.TrimPrefix(s, "~"), 10, 64)
	return c, err == nil
}

// scans collects the table scans and their cardinalities.
func (n *explainNode) scans(out map[string]int64) {
	if strings.Contains(n.Name, "SCAN") {
		var info map[string]any
		if json.Unmarshal(n.ExtraInfo, &info) == nil {
			if t, ok := info["Table"].(string); ok {
				t = tableName(t)
				c, _ := n.cardinality()
				out[t] += c
			}
		}
	}
	for i := range n.Children {
		n.Children[i].scans(out)
	}
}

// Estimate asks DuckDB's optimizer (EXPLAIN (FORMAT JSON)) for the result
// cardinality. DuckDB does not estimate bytes or cost; rows are an
// estimate.
func (e *Engine) Estimate(ctx context.Context, plan *sqlplan.Plan) (engine.Cost, error) {
	if plan == nil || strings.TrimSpace(plan.SQL) == "" {
		return engine.Cost{}, errors.New("duckdb: empty query; nothing to estimate")
	}
	cost, err := e.estimate(ctx, plan.SQL, plan.RowCap)
	if err != nil {
		return engine.Cost{}, e.queryError(ctx, ctx, 0, err)
	}
	return cost, nil
}

func (e *Engine) estimate(ctx context.Context, sql string, rowCap int64) (engine.Cost, error) {
	if !e.enter() {
		return engine.Cost{}, errClosed
	}
	defer e.inflight.Done()
	// Checks the statement alone and read-only before explaining it.
	if err := e.withStmt(ctx, sql, func(*duck.Stmt) error { return nil }); err != nil {
		return engine.Cost{}, err
	}
	rows, err := e.db.QueryContext(ctx, "EXPLAIN (FORMAT JSON) "+sql)
	if err != nil {
		return engine.Cost{}, err
	}
	defer rows.Close()
	var plans []explainNode
	for rows.Next() {
		var key, value string
		if err := rows.Scan(&key, &value); err != nil {
			return engine.Cost{}, err
		}
		var nodes []explainNode
		if err := json.Unmarshal([]byte(value), &nodes); err != nil {
			return engine.Cost{}, fmt.Errorf("reading EXPLAIN output: %w", err)
		}
		plans = append(plans, nodes...)
	}
	if err := rows.Err(); err != nil {
		return engine.Cost{}, err
	}
	cost := engine.Cost{Kind: engine.CostEstimate, StatementType: "SELECT"}
	found := false
	// The root's estimate is the result size. A LIMIT/TOP_N carries no
	// cardinality: a TOP_N's "Top" bounds the estimate; a streaming LIMIT
	// does not show its value (and DuckDB may rewrite it into a semi-join
	// estimated at 0 rows), so then the estimate under the LIMIT is only an
	// upper bound.
	limit, limitUnknown, underLimit := int64(-1), false, int64(0)
	var first func(n *explainNode) (int64, bool)
	first = func(n *explainNode) (int64, bool) {
		if c, ok := n.cardinality(); ok {
			return c, true
		}
		for i := range n.Children {
			if c, ok := first(&n.Children[i]); ok {
				return c, true
			}
		}
		return 0, false
	}
	var limits func(n *explainNode)
	limits = func(n *explainNode) {
		if strings.Contains(n.Name, "LIMIT") || strings.Contains(n.Name, "TOP_N") {
			var info map[string]any
			_ = json.Unmarshal(n.ExtraInfo, &info)
			if top, ok := info["Top"].(string); ok {
				if v, err := strconv.ParseInt(top, 10, 64); err == nil && (limit < 0 || v < limit) {
					limit = v
				}
			} else {
				limitUnknown = true
				for i := range n.Children {
					if c, ok := first(&n.Children[i]); ok && c > underLimit {
						underLimit = c
					}
				}
			}
		}
		for i := range n.Children {
			limits(&n.Children[i])
		}
	}
	for i := range plans {
		if !found {
			cost.Rows, found = first(&plans[i])
		}
		limits(&plans[i])
	}
	scanned := map[string]int64{}
	for i := range plans {
		plans[i].scans(scanned)
	}
	for t := range scanned {
		cost.ReferencedTables = append(cost.ReferencedTables, t)
	}
	sort.Strings(cost.ReferencedTables)
	switch {
	case !found:
		cost.Kind = engine.CostUnknown
		cost.Notes = append(cost.Notes, "DuckDB's plan gives no cardinality estimate for this query")
	default:
		if limitUnknown {
			cost.Rows = max(cost.Rows, underLimit)
			cost.Kind = engine.CostUpperBound
			cost.Notes = append(cost.Notes, "EXPLAIN does not show the LIMIT: the row count is an upper bound")
		}
		if limit >= 0 && limit < cost.Rows {
			cost.Rows = limit
		}
		if rowCap > 0 && cost.Rows > rowCap {
			cost.Rows = rowCap
			cost.Notes = append(cost.Notes, fmt.Sprintf("at most the row cap (%d)", rowCap))
		}
		cost.Notes = append(cost.Notes, "rows are DuckDB's optimizer estimate (EXPLAIN); DuckDB does not estimate bytes")
	}
	for _, t := range cost.ReferencedTables {
		cost.Notes = append(cost.Notes, fmt.Sprintf("scans %s: ~%d rows", t, scanned[t]))
	}
	return cost, nil
}

// tableName turns EXPLAIN's `"db"."schema".table` into schema.table.
func tableName(s string) string {
	parts := strings.Split(strings.ReplaceAll(s, `"`, ""), ".")
	if len(parts) == 3 {
		parts = parts[1:]
	}
	return strings.Join(parts, ".")
}
