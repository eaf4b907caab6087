package bigquery

import (
	"fmt"
	"strings"

	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/guard"
	"github.com/bigtent/quarry/pkg/sqlplan/parser"
)

// The engine's backstop for allowedDatasets: the planner checks the tables
// it sees in the SQL; the dry run says which tables the query really reads
// (views expanded, wildcard tables matched, table functions opened). With
// allowedDatasets set, every job is dry-run first and each of its
// referencedTables must be in an allowed dataset. A query whose tables
// cannot all be checked is refused: the dry run fails, reports a table
// without a project or dataset, or reports no tables while the SQL names
// some (the goccy emulator's dry run never lists tables, so there every
// query that reads a table is refused while allowedDatasets is set).

// sqlTable is a table (or table function) the SQL names, where it does.
type sqlTable struct {
	span ast.Span
	name string // the last part of the name: the table id
}

// sqlTables are the tables src names, CTE names excepted.
func sqlTables(src string) []sqlTable {
	script, _ := parser.Parse(src, sqlplan.BigQuery) // a partial script is fine
	if script == nil {
		return nil
	}
	ctes := map[string]bool{}
	ast.Inspect(script, func(n ast.Node) bool {
		if c, ok := n.(*ast.CTE); ok {
			ctes[strings.ToLower(c.Name.Name)] = true
		}
		return true
	})
	var out []sqlTable
	add := func(name *ast.ObjectName, fn bool) {
		if name == nil || len(name.Parts) == 0 {
			return
		}
		if fn && len(name.Parts) < 2 {
			return // UNNEST and friends: no dataset
		}
		last := name.Parts[len(name.Parts)-1].Name
		if i := strings.LastIndexByte(last, '.'); i >= 0 { // `project.dataset.table` as one quoted name
			last = last[i+1:]
		} else if len(name.Parts) == 1 && ctes[strings.ToLower(last)] {
			return
		}
		out = append(out, sqlTable{span: name.Span, name: last})
	}
	ast.Inspect(script, func(n ast.Node) bool {
		switch t := n.(type) {
		case *ast.TableRef:
			add(t.Name, false)
		case *ast.TableFunc:
			add(t.Name, true)
		}
		return true
	})
	return out
}

// at is where a refusal about the dry-run table id goes: the SQL's table of
// that name (a wildcard table matches by its prefix), else the first table,
// else the start.
func at(tables []sqlTable, id string) ast.Span {
	for _, t := range tables {
		if strings.EqualFold(t.name, id) {
			return t.span
		}
	}
	for _, t := range tables {
		if pre, ok := strings.CutSuffix(t.name, "*"); ok && len(id) >= len(pre) && strings.EqualFold(id[:len(pre)], pre) {
			return t.span
		}
	}
	if len(tables) > 0 {
		return tables[0].span
	}
	return ast.Span{}
}

// checkDatasets refuses the plan when a table the dry run reports is not in
// allowed (allowedDatasets), or when the tables cannot all be checked:
// dryRunErr is the dry run's failure, referenced its referencedTables
// ("project.dataset.table"). The error is the planner's kind (positioned
// in the user's SQL, with a refused plan step per table), so the editor
// marks it like the planner's own refusals.
func checkDatasets(plan *sqlplan.Plan, allowed []string, defaultProject string, referenced []string, dryRunErr error) error {
	if len(allowed) == 0 {
		return nil
	}
	src := plan.Request.RawSQL
	if src == "" {
		src = plan.SQL
	}
	tables := sqlTables(src)
	list := strings.Join(allowed, ", ")
	var refused []guard.Refusal
	refuse := func(span ast.Span, name, reason, value string) {
		r := guard.Refusal{Start: span.Start, End: span.End, Kind: guard.KindTable, Name: name, Reason: reason}
		if value != "" {
			r.Option, r.Value = guard.OptAllowedDatasets, value
		}
		refused = append(refused, r)
	}
	uncheckable := fmt.Sprintf("while the data source option %s is set (%s), every table a query reads must be checked against it", guard.OptAllowedDatasets, list)
	switch {
	case dryRunErr != nil:
		span := ast.Span{}
		if len(tables) > 0 {
			span = tables[0].span
		}
		refuse(span, "of this query", fmt.Sprintf("the dry run that lists the tables failed (%v); %s", dryRunErr, uncheckable), "")
	case len(referenced) == 0 && len(tables) > 0:
		t := tables[0]
		refuse(t.span, t.span.Text(src), "the dry run reported no tables for this query, so none can be checked; "+uncheckable+" (the goccy BigQuery emulator never reports tables)", "")
	}
	for _, full := range referenced {
		parts := strings.Split(full, ".")
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || strings.ContainsAny(parts[0]+parts[1], "*") {
			refuse(at(tables, parts[len(parts)-1]), full, "the dry run reported it without a project and dataset that can be checked; "+uncheckable, "")
			continue
		}
		if !guard.DatasetAllowed(allowed, defaultProject, parts[0], parts[1]) {
			value := parts[1]
			if !strings.EqualFold(parts[0], defaultProject) {
				value = parts[0] + "." + parts[1]
			}
			refuse(at(tables, parts[2]), full, fmt.Sprintf("the query reads it (the dry run says so), and dataset %s.%s is not among the data source's allowed datasets (%s)", parts[0], parts[1], list), value)
		}
	}
	if len(refused) == 0 {
		return nil
	}
	return sqlplan.RefusalError(src, refused)
}
