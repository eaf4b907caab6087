// Package migrate converts a Grafana dashboard exported with another SQL
// data source plugin into one that uses Quarry: the Altinity ClickHouse
// plugin (vertamedia-clickhouse-datasource), the official ClickHouse plugin
// (grafana-clickhouse-datasource), G-BQ (doitintl-bigquery-datasource) or
// Grafana's BigQuery plugin (grafana-bigquery-datasource), and Grafana's
// PostgreSQL data source.
//
// It rewrites data source references wherever a dashboard holds them
// (panels, nested panels of collapsed rows, targets, template variables,
// annotations, __inputs and __requires) and each query's model, keeps every
// panel, and reports what it could not convert. Each converted query is
// planned with Quarry's planner, so a query Quarry would refuse is reported
// before the dashboard is imported.
package migrate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/stmtmacro"
)

// QuarryType is Quarry's plugin id.
const QuarryType = "bigtent-quarry-datasource"

// Source is a plugin a dashboard can be converted from.
type Source string

// The plugins migrate converts from.
const (
	Altinity   Source = "altinity"   // vertamedia-clickhouse-datasource
	ClickHouse Source = "clickhouse" // grafana-clickhouse-datasource
	GBQ        Source = "bigquery"   // doitintl-bigquery-datasource, grafana-bigquery-datasource
	Postgres   Source = "postgres"   // postgres, grafana-postgresql-datasource
)

// SourceOf maps a plugin id to its Source.
var SourceOf = map[string]Source{
	"vertamedia-clickhouse-datasource": Altinity,
	"altinity-clickhouse-datasource":   Altinity,
	"grafana-clickhouse-datasource":    ClickHouse,
	"doitintl-bigquery-datasource":     GBQ,
	"grafana-bigquery-datasource":      GBQ,
	"postgres":                         Postgres,
	"grafana-postgresql-datasource":    Postgres,
}

// engineOf is the Quarry engine a source's queries need.
func engineOf(s Source) string {
	switch s {
	case Altinity, ClickHouse:
		return "clickhouse"
	case GBQ:
		return "bigquery"
	}
	return "postgres"
}

// Options set the target data sources.
type Options struct {
	// UIDs are the Quarry data sources to point at, by engine ("clickhouse",
	// "postgres", "bigquery"). An engine without one gets a dashboard input
	// ${DS_QUARRY_<ENGINE>} that Grafana asks for on import.
	UIDs map[string]string
	// Names tells the plugin of a data source referred to by name only
	// (old dashboards: "datasource": "ClickHouse"). Without it, a name is
	// resolved from the dashboard's __requires and its queries' shape.
	Names map[string]Source
}

// Note is one thing the conversion reports, at a path in the dashboard.
type Note struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Report says what the conversion did.
type Report struct {
	// Panels counts every panel kept (rows and nested panels included).
	Panels int `json:"panels"`
	// Queries counts converted queries by source plugin.
	Queries map[Source]int `json:"queries"`
	// Problems are what could not be converted, or will not work as before.
	Problems []Note `json:"problems"`
	// Info are conversions worth knowing about.
	Info []Note `json:"info"`
}

// String renders the report for a terminal.
func (r Report) String() string {
	var b strings.Builder
	keys := make([]string, 0, len(r.Queries))
	for s := range r.Queries {
		keys = append(keys, string(s))
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, r.Queries[Source(k)])
	}
	fmt.Fprintf(&b, "panels kept: %d; queries converted: %s\n", r.Panels, strings.Join(parts, ", "))
	for _, n := range r.Problems {
		fmt.Fprintf(&b, "not converted: %s: %s\n", n.Path, n.Message)
	}
	for _, n := range r.Info {
		fmt.Fprintf(&b, "note: %s: %s\n", n.Path, n.Message)
	}
	return b.String()
}

// Dashboard converts one dashboard JSON (as exported from Grafana, or as
// provisioned). The output is indented JSON with keys sorted.
func Dashboard(in []byte, o Options) ([]byte, Report, error) {
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return nil, Report{}, fmt.Errorf("the input is not a dashboard JSON object: %w", err)
	}
	if d, ok := root["dashboard"].(map[string]any); ok && root["panels"] == nil {
		root = d // the API's {"dashboard": {...}, "meta": {...}} form
	}
	c := &conv{o: o, rep: Report{Queries: map[Source]int{}}, inputs: map[string]Source{}, vars: map[string]Source{}, addInputs: map[string]bool{}}
	c.prepare(root)
	c.inputsAndRequires(root)
	c.templating(root)
	c.annotations(root)
	for i, p := range list(root["panels"]) {
		c.panel(p, fmt.Sprintf("panels[%d]", i), nil)
	}
	for i, row := range list(root["rows"]) { // schemaVersion < 16
		for j, p := range list(row["panels"]) {
			c.panel(p, fmt.Sprintf("rows[%d].panels[%d]", i, j), nil)
		}
	}
	c.finishInputs(root)
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(root); err != nil {
		return nil, Report{}, err
	}
	return out.Bytes(), c.rep, nil
}

type conv struct {
	o   Options
	rep Report
	// inputs are the dashboard's ${DS_…} inputs of a source plugin.
	inputs map[string]Source
	// vars are datasource template variables whose plugin is a source.
	vars map[string]Source
	// requires are the source plugins the dashboard says it needs.
	requires []Source
	// guess is the source of a plain data source name when the dashboard
	// holds exactly one source plugin's queries.
	guess     Source
	addInputs map[string]bool
}

func list(v any) []map[string]any {
	arr, _ := v.([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, x := range arr {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func str(v any) string { s, _ := v.(string); return s }

func (c *conv) problem(path, format string, a ...any) {
	c.rep.Problems = append(c.rep.Problems, Note{path, fmt.Sprintf(format, a...)})
}

func (c *conv) info(path, format string, a ...any) {
	c.rep.Info = append(c.rep.Info, Note{path, fmt.Sprintf(format, a...)})
}

// prepare finds the inputs, datasource variables and required plugins, and
// guesses the plugin of plain names from the queries' shape.
func (c *conv) prepare(root map[string]any) {
	for _, in := range list(root["__inputs"]) {
		if s, ok := SourceOf[str(in["pluginId"])]; ok && str(in["type"]) == "datasource" {
			c.inputs[str(in["name"])] = s
		}
	}
	for _, r := range list(root["__requires"]) {
		if s, ok := SourceOf[str(r["id"])]; ok && str(r["type"]) == "datasource" {
			c.requires = append(c.requires, s)
		}
	}
	if t, ok := root["templating"].(map[string]any); ok {
		for _, v := range list(t["list"]) {
			if str(v["type"]) == "datasource" {
				if s, ok := SourceOf[str(v["query"])]; ok {
					c.vars[str(v["name"])] = s
				}
			}
		}
	}
	if len(c.requires) == 1 {
		c.guess = c.requires[0]
		return
	}
	shapes := map[Source]bool{}
	var walk func(ps []map[string]any)
	walk = func(ps []map[string]any) {
		for _, p := range ps {
			for _, t := range list(p["targets"]) {
				if s, ok := shape(t); ok {
					shapes[s] = true
				}
			}
			walk(list(p["panels"]))
		}
	}
	walk(list(root["panels"]))
	for _, row := range list(root["rows"]) {
		walk(list(row["panels"]))
	}
	if len(shapes) == 1 {
		for s := range shapes {
			c.guess = s
		}
	}
}

// shape tells a target's plugin from the fields only that plugin writes.
func shape(t map[string]any) (Source, bool) {
	switch {
	case t["dateTimeColDataType"] != nil || t["dateTimeType"] != nil || (t["query"] != nil && t["intervalFactor"] != nil):
		return Altinity, true
	case t["editorType"] != nil || t["builderOptions"] != nil || t["pluginVersion"] != nil && t["queryType"] != nil:
		return ClickHouse, true
	case t["timeColumnType"] != nil || t["metricColumn"] != nil:
		return Postgres, true
	case t["dataset"] != nil && t["project"] != nil:
		return GBQ, true
	}
	return "", false
}

// ref resolves a data source reference. It returns the new reference and
// the source, or ok=false when the reference is not a source plugin's.
func (c *conv) ref(v any) (any, Source, bool) {
	switch r := v.(type) {
	case string:
		if r == "" || strings.HasPrefix(r, "-- ") {
			return v, "", false
		}
		if name, ok := varName(r); ok {
			if s, ok := c.inputs[name]; ok {
				return map[string]any{"type": QuarryType, "uid": r}, s, true
			}
			if s, ok := c.vars[name]; ok {
				return r, s, true // the variable now lists Quarry data sources
			}
			return v, "", false
		}
		if s, ok := c.o.Names[r]; ok {
			return c.target(s), s, true
		}
		if c.guess != "" {
			return c.target(c.guess), c.guess, true
		}
	case map[string]any:
		uid := str(r["uid"])
		s, ok := SourceOf[str(r["type"])]
		if !ok {
			if name, isVar := varName(uid); isVar && r["type"] == nil {
				if s, ok := c.inputs[name]; ok {
					return map[string]any{"type": QuarryType, "uid": uid}, s, true
				}
			}
			return v, "", false
		}
		if name, isVar := varName(uid); isVar {
			if _, ok := c.inputs[name]; ok {
				return map[string]any{"type": QuarryType, "uid": uid}, s, true
			}
			if _, ok := c.vars[name]; ok {
				return map[string]any{"type": QuarryType, "uid": uid}, s, true
			}
		}
		return c.target(s), s, true
	}
	return v, "", false
}

// target is the reference to the Quarry data source for source s.
func (c *conv) target(s Source) map[string]any {
	e := engineOf(s)
	if uid := c.o.UIDs[e]; uid != "" {
		return map[string]any{"type": QuarryType, "uid": uid}
	}
	name := "DS_QUARRY_" + strings.ToUpper(e)
	c.addInputs[name] = true
	return map[string]any{"type": QuarryType, "uid": "${" + name + "}"}
}

// varName returns NAME for "$NAME" or "${NAME}".
func varName(s string) (string, bool) {
	switch {
	case strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}"):
		return s[2 : len(s)-1], true
	case strings.HasPrefix(s, "$") && len(s) > 1:
		return s[1:], true
	}
	return "", false
}

func (c *conv) inputsAndRequires(root map[string]any) {
	for _, in := range list(root["__inputs"]) {
		if _, ok := c.inputs[str(in["name"])]; ok {
			in["pluginId"], in["pluginName"] = QuarryType, "Quarry"
		}
	}
	reqs, _ := root["__requires"].([]any)
	if reqs == nil {
		return
	}
	out := make([]any, 0, len(reqs))
	added := false
	for _, r := range reqs {
		m, ok := r.(map[string]any)
		if ok && str(m["type"]) == "datasource" {
			if _, src := SourceOf[str(m["id"])]; src {
				if !added {
					out = append(out, map[string]any{"type": "datasource", "id": QuarryType, "name": "Quarry", "version": ""})
					added = true
				}
				continue
			}
		}
		out = append(out, r)
	}
	root["__requires"] = out
}

// finishInputs adds the inputs that new references use.
func (c *conv) finishInputs(root map[string]any) {
	if len(c.addInputs) == 0 {
		return
	}
	ins, _ := root["__inputs"].([]any)
	names := make([]string, 0, len(c.addInputs))
	for n := range c.addInputs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		e := strings.ToLower(strings.TrimPrefix(n, "DS_QUARRY_"))
		ins = append(ins, map[string]any{"name": n, "label": "Quarry (" + e + ")", "description": "a Quarry data source with the " + e + " engine",
			"type": "datasource", "pluginId": QuarryType, "pluginName": "Quarry"})
	}
	root["__inputs"] = ins
}

func (c *conv) templating(root map[string]any) {
	t, ok := root["templating"].(map[string]any)
	if !ok {
		return
	}
	for i, v := range list(t["list"]) {
		path := fmt.Sprintf("templating.list[%d] (%s)", i, str(v["name"]))
		switch str(v["type"]) {
		case "datasource":
			if s, ok := SourceOf[str(v["query"])]; ok {
				v["query"] = QuarryType
				v["current"] = map[string]any{}
				c.info(path, "data source variable now lists Quarry data sources (it listed %s); pick the one with the %s engine", s, engineOf(s))
			}
		case "query", "adhoc":
			nr, s, ok := c.ref(v["datasource"])
			if !ok {
				continue
			}
			v["datasource"] = nr
			if str(v["type"]) == "adhoc" {
				continue
			}
			var sql string
			switch q := v["query"].(type) {
			case string:
				sql = q
			case map[string]any:
				sql = firstString(q, "rawSql", "query", "rawQuery")
			}
			if sql == "" {
				c.problem(path, "variable query has no SQL to convert")
				continue
			}
			v["query"] = map[string]any{"refId": "variable", "rawSql": sql}
			c.rep.Queries[s]++
			c.check(path, s, sql, nil)
		}
	}
}

func firstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s := str(m[k]); s != "" {
			return s
		}
	}
	return ""
}

func (c *conv) annotations(root map[string]any) {
	a, ok := root["annotations"].(map[string]any)
	if !ok {
		return
	}
	for i, an := range list(a["list"]) {
		path := fmt.Sprintf("annotations.list[%d] (%s)", i, str(an["name"]))
		nr, s, ok := c.ref(an["datasource"])
		if !ok {
			continue
		}
		an["datasource"] = nr
		if t, ok := an["target"].(map[string]any); ok && firstString(t, "rawSql", "query") != "" {
			c.target1(t, s, path)
			t["format"] = string(sqlplan.FormatAnnotations)
			continue
		}
		sql := firstString(an, "rawQuery", "query")
		if sql == "" {
			c.problem(path, "annotation has no SQL to convert")
			continue
		}
		delete(an, "rawQuery")
		delete(an, "query")
		an["target"] = map[string]any{"refId": "Anno", "rawSql": sql, "format": string(sqlplan.FormatAnnotations)}
		c.rep.Queries[s]++
		c.check(path, s, sql, nil)
	}
}

// panel converts one panel and, for rows, the panels they hold.
func (c *conv) panel(p map[string]any, path string, inherited *Source) {
	c.rep.Panels++
	if t := str(p["title"]); t != "" {
		path += " (" + t + ")"
	}
	if lp, ok := p["libraryPanel"].(map[string]any); ok {
		c.info(path, "library panel %q kept as it is: its queries live in the panel library; convert them there", str(lp["name"]))
		return
	}
	if _, ok := p["alert"].(map[string]any); ok {
		c.info(path, "the panel holds a legacy (dashboard) alert rule, kept as it is: Grafana's unified alerting must migrate it, and its query then runs through Quarry")
	}
	var ps *Source
	if nr, s, ok := c.ref(p["datasource"]); ok {
		p["datasource"] = nr
		ps = &s
	}
	for i, t := range list(p["targets"]) {
		tpath := fmt.Sprintf("%s.targets[%d]", path, i)
		s, ok := Source(""), false
		if t["datasource"] != nil {
			var nr any
			if nr, s, ok = c.ref(t["datasource"]); ok {
				t["datasource"] = nr
			}
		} else if ps != nil {
			s, ok = *ps, true
		}
		if ok {
			c.target1(t, s, tpath)
		}
	}
	for i, sub := range list(p["panels"]) {
		c.panel(sub, fmt.Sprintf("%s.panels[%d]", path, i), ps)
	}
}

// Fields of the source query models that Quarry's model does not have and
// that carry nothing Quarry needs (editor state, stale expansions).
var dropFields = map[Source][]string{
	Altinity:   {"query", "rawQuery", "formattedQuery", "dateLoading", "datetimeLoading", "tableLoading", "expr", "resultFormat", "showHelp", "showFormattedSQL", "editorMode", "adHocFilters", "adHocValuesQuery", "nullifySparse", "contextWindowSize", "add_metadata"},
	ClickHouse: {"editorType", "meta", "builderOptions", "pluginVersion", "queryType", "selectedFormat"},
	GBQ:        {"rawQuery", "dataset", "project", "table", "timeColumn", "timeColumnType", "metricColumn", "group", "where", "select", "orderByCol", "orderBySort", "partitioned", "partitionedField", "convertToUTC", "sharded", "queryPriority", "timeShift", "editorMode", "sql", "bigquery"},
	Postgres:   {"rawQuery", "group", "metricColumn", "select", "table", "timeColumn", "timeColumnType", "where", "sql", "editorMode", "dataset"},
}

// target1 converts one query model in place.
func (c *conv) target1(t map[string]any, s Source, path string) {
	var sql string
	var alt *stmtmacro.Altinity
	format := sqlplan.FormatTable
	switch s {
	case Altinity:
		sql = firstString(t, "query", "rawSql")
		a := stmtmacro.Altinity{}
		b, _ := json.Marshal(t)
		_ = json.Unmarshal(b, &a) // the same JSON names; type mismatches leave a field empty
		alt = &a
		format = plainFormat(t["format"], path, c)
		for _, m := range []string{"$columns(", "$columnsMs(", "$rateColumns(", "$perSecondColumns(", "$deltaColumns(", "$increaseColumns("} {
			if strings.Contains(sql, m) {
				c.info(path, "%s…) returns one row per time with groupArr, an array of (key, value) tuples, exactly as in the Altinity plugin", m)
				break
			}
		}
	case ClickHouse:
		sql = str(t["rawSql"])
		format = officialFormat(t, path, c)
		if sql == "" && t["builderOptions"] != nil {
			c.problem(path, "a query builder query without generated SQL: open it in the ClickHouse plugin once, or write the SQL")
		}
	case GBQ:
		sql = str(t["rawSql"])
		format = plainFormat(t["format"], path, c)
		if p, d := str(t["project"]), str(t["dataset"]); p != "" || d != "" {
			c.info(path, "the query used project %q, dataset %q: Quarry takes them from its data source settings; unqualified table names resolve in the data source's dataset", p, d)
		}
		if q := str(t["queryPriority"]); q != "" {
			t["priority"] = q
		}
	case Postgres:
		sql = str(t["rawSql"])
		format = plainFormat(t["format"], path, c)
		if raw, ok := t["rawQuery"].(bool); ok && !raw && sql == "" {
			c.problem(path, "a query builder query without SQL: switch it to code in Grafana first")
		}
	}
	for _, f := range dropFields[s] {
		delete(t, f)
	}
	t["rawSql"] = sql
	t["format"] = string(format)
	c.rep.Queries[s]++
	if sql == "" {
		c.problem(path, "the query has no SQL")
		return
	}
	c.check(path, s, sql, alt)
}

func plainFormat(v any, path string, c *conv) sqlplan.Format {
	switch str(v) {
	case "time_series", "timeseries":
		return sqlplan.FormatTimeSeries
	case "logs":
		return sqlplan.FormatLogs
	case "", "table":
		return sqlplan.FormatTable
	}
	c.problem(path, "format %q has no Quarry equivalent: converted as table", str(v))
	return sqlplan.FormatTable
}

// officialFormat reads the official plugin's queryType, or its numeric
// format (sqlds: 0 time series, 1 table, 2 logs, 3 trace, 4 multi).
func officialFormat(t map[string]any, path string, c *conv) sqlplan.Format {
	switch str(t["queryType"]) {
	case "timeseries":
		return sqlplan.FormatTimeSeries
	case "table":
		return sqlplan.FormatTable
	case "logs":
		return sqlplan.FormatLogs
	case "traces":
		c.problem(path, "trace queries have no Quarry equivalent: converted as table")
		return sqlplan.FormatTable
	}
	switch fmt.Sprint(t["format"]) {
	case "0":
		return sqlplan.FormatTimeSeries
	case "2":
		return sqlplan.FormatLogs
	case "3":
		c.problem(path, "trace queries have no Quarry equivalent: converted as table")
	case "4":
		return sqlplan.FormatTimeSeriesMulti
	}
	return sqlplan.FormatTable
}

// checkRange is the time range queries are planned over for the report.
var checkFrom = time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)

// check plans the converted SQL and reports a planner refusal.
func (c *conv) check(path string, s Source, sql string, alt *stmtmacro.Altinity) {
	req := sqlplan.Request{Dialect: sqlplan.Dialect(engineOf(s)), RawSQL: sql, Format: sqlplan.FormatTable,
		TimeRange: sqlplan.TimeRange{From: checkFrom, To: checkFrom.Add(6 * time.Hour)}, IntervalMs: 60000, MaxDataPoints: 1000}
	if alt != nil {
		req.Altinity = *alt
	}
	if _, err := sqlplan.Build(context.Background(), req); err != nil {
		e := sqlplan.AsError(err)
		where := ""
		if e.Line > 0 {
			where = fmt.Sprintf(" (line %d, column %d)", e.Line, e.Column)
		}
		c.problem(path, "Quarry's planner refuses the query%s: %s", where, e.Message)
	}
}
