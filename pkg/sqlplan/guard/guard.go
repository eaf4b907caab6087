// Package guard is the planner's trust layer: it walks a parsed script and
// refuses what would let a query read outside the configured database or
// dataset, or change a limit. It knows every function call (in any
// position, even inside expressions the parser kept opaque), every table
// function, every table reference, every ClickHouse SETTINGS key and every
// statement kind, and checks them against per-dialect deny and allow tables
// (rules.go, kept as data with a reason for each entry) and the data
// source's allow-list options.
//
// The guard is the first of two layers: each engine's own configuration is
// the backstop (see the engine packages and README's Security section).
// It does no I/O and, when nothing is refused, no allocation beyond the
// walk itself.
package guard

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

// The data source options (jsonData keys) that open what the guard refuses.
const (
	OptAllowedFunctions      = "allowedFunctions"
	OptAllowedTableFunctions = "allowedTableFunctions"
	OptAllowedSchemas        = "allowedSchemas"
	OptAllowedDatabases      = "allowedDatabases"
	OptAllowedDatasets       = "allowedDatasets"
)

// Options are the data source's allow-list options. The zero value refuses
// every denied function and setting and lets a query read any table the
// engine's role can read.
type Options struct {
	// AllowedFunctions opens denied functions and table functions by name
	// (PostgreSQL, DuckDB, BigQuery; ClickHouse accepts it too).
	AllowedFunctions []string `json:"allowedFunctions,omitempty"`
	// AllowedTableFunctions opens ClickHouse table functions by name.
	AllowedTableFunctions []string `json:"allowedTableFunctions,omitempty"`
	// AllowedSchemas, when not empty, are the only schemas (ClickHouse:
	// databases; BigQuery: datasets) a table reference may name.
	AllowedSchemas []string `json:"allowedSchemas,omitempty"`
	// AllowedDatabases, when not empty, are the only databases (BigQuery:
	// projects; ClickHouse: databases, like AllowedSchemas) a table
	// reference may name.
	AllowedDatabases []string `json:"allowedDatabases,omitempty"`
	// AllowedDatasets is BigQuery's name for AllowedSchemas: "dataset" (in
	// the default project) or "project.dataset".
	AllowedDatasets []string `json:"allowedDatasets,omitempty"`
	// DefaultDatabase and DefaultSchema are where unqualified names resolve:
	// the connection's database (ClickHouse), project (BigQuery) or catalog
	// (DuckDB), and the default schema or dataset. Empty means the
	// dialect's default (PostgreSQL public, ClickHouse default, DuckDB main).
	DefaultDatabase string `json:"defaultDatabase,omitempty"`
	DefaultSchema   string `json:"defaultSchema,omitempty"`
}

// restrictsTables reports whether any table allow-list is set.
func (o *Options) restrictsTables() bool {
	return len(o.AllowedSchemas) > 0 || len(o.AllowedDatabases) > 0 || len(o.AllowedDatasets) > 0
}

// Validate checks the option values: names, never empty, without spaces,
// quotes or control characters. Errors name the option.
func (o Options) Validate() error {
	var errs []error
	check := func(opt string, names []string) {
		for i, n := range names {
			if msg := badName(n); msg != "" {
				errs = append(errs, fmt.Errorf("%s[%d]: %s", opt, i, msg))
			}
		}
	}
	check(OptAllowedFunctions, o.AllowedFunctions)
	check(OptAllowedTableFunctions, o.AllowedTableFunctions)
	check(OptAllowedSchemas, o.AllowedSchemas)
	check(OptAllowedDatabases, o.AllowedDatabases)
	check(OptAllowedDatasets, o.AllowedDatasets)
	return errors.Join(errs...)
}

func badName(n string) string {
	if n == "" {
		return "is empty; give a name such as \"read_csv\" or \"sales\""
	}
	if len(n) > 256 {
		return "is longer than 256 characters"
	}
	for _, r := range n {
		if r <= ' ' || r == '\'' || r == '"' || r == '`' || r == ';' || r == '(' || r == ')' || r == 0x7f {
			return fmt.Sprintf("%q must be a plain name, without spaces, quotes, parentheses or ';'", n)
		}
	}
	return ""
}

// Kind is what a refusal is about.
type Kind string

// Refusal kinds.
const (
	KindFunction      Kind = "function"
	KindTableFunction Kind = "table function"
	KindSetting       Kind = "setting"
	KindTable         Kind = "table"
	KindStatement     Kind = "statement"
)

// Refusal is one thing the guard refused, at a byte span of the source.
type Refusal struct {
	Start, End int
	Kind       Kind
	// Name is the refused name as written (unquoted; at most 80 bytes).
	Name string
	// Reason says why it is refused.
	Reason string
	// Option is the data source option that would allow it, or "" when none
	// can.
	Option string
	// Value is what to add to Option (the name, a schema, a dataset).
	Value string
}

// Message is the refusal as a sentence for the user.
func (r Refusal) Message() string {
	var b strings.Builder
	switch r.Kind {
	case KindStatement:
		fmt.Fprintf(&b, "%s statements are refused: such a statement %s; Quarry only runs read-only statements (SELECT, WITH … SELECT, EXPLAIN, SHOW, DESCRIBE)", strings.ToUpper(r.Name), r.Reason)
		return b.String()
	default:
		fmt.Fprintf(&b, "%s %s is refused: %s", r.Kind, r.Name, r.Reason)
	}
	if r.Option != "" {
		fmt.Fprintf(&b, "; to allow it, add %q to the data source option %s", r.Value, r.Option)
	} else {
		b.WriteString("; no data source option allows it")
	}
	return b.String()
}

// Checker checks scripts. It keeps its buffers between calls; the zero
// value is ready to use. A Checker is not safe for concurrent use.
type Checker struct {
	refusals []Refusal
	ctes     []string // the CTE names in scope, innermost last

	// per call
	src    string
	toks   []lexer.Token
	rules  *dialectRules
	opts   *Options
	dia    string
	visit  func(ast.Node) bool
	nested bool
}

// Check returns what the script holds that the dialect's rules and opts
// refuse, in source order of discovery (function calls first). The slice is
// the Checker's buffer: valid until the next call. An unknown dialect
// refuses nothing.
func (c *Checker) Check(src string, script *ast.Script, dialect string, opts *Options) []Refusal {
	c.refusals = c.refusals[:0]
	c.ctes = c.ctes[:0]
	r := rulesFor(dialect)
	if r == nil || script == nil {
		return c.refusals
	}
	if opts == nil {
		opts = &Options{}
	}
	c.src, c.toks, c.rules, c.opts, c.dia = src, script.Tokens, r, opts, dialect
	if c.visit == nil {
		c.visit = c.node
	}
	for _, st := range script.Statements {
		c.statement(st)
	}
	c.calls()
	for _, st := range script.Statements {
		if st.Query != nil {
			ast.Inspect(st.Query, c.visit)
		}
	}
	c.src, c.toks, c.opts = "", nil, nil
	return c.refusals
}

func rulesFor(dialect string) *dialectRules {
	switch dialect {
	case "duckdb":
		return &duckdbRules
	case "clickhouse":
		return &clickhouseRules
	case "postgres":
		return &postgresRules
	case "bigquery":
		return &bigqueryRules
	}
	return nil
}

func (c *Checker) refuse(r Refusal) {
	if len(r.Name) > 80 {
		r.Name = r.Name[:80] + "…"
	}
	c.refusals = append(c.refusals, r)
}

// statement refuses the statement kinds that change configuration, open
// files or other databases, or load code. Other non-read statements are
// refused by the planner's read-only check.
func (c *Checker) statement(st *ast.Statement) {
	if st == nil || st.Kind.ReadOnly() {
		return
	}
	kw := st.KeywordSpan.Text(c.src)
	if i := match(statementReasons, kw); i >= 0 {
		c.refuse(Refusal{Start: st.KeywordSpan.Start, End: st.KeywordSpan.End, Kind: KindStatement,
			Name: kw, Reason: statementReasons[i].reason})
	}
}

// calls finds every function call in the token stream - a name followed by
// '(' - so a call inside an expression the parser kept opaque is seen too,
// and refuses the denied ones.
func (c *Checker) calls() {
	toks := c.toks
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.Kind != lexer.Ident && t.Kind != lexer.Keyword && t.Kind != lexer.QuotedIdent {
			continue
		}
		j := i + 1
		for j < len(toks) && toks[j].Trivia() {
			j++
		}
		if j >= len(toks) || toks[j].Kind != lexer.Punct || c.src[toks[j].Start] != '(' {
			continue
		}
		name := c.src[t.Start:t.End]
		if t.Kind == lexer.QuotedIdent && len(name) >= 2 {
			name = name[1 : len(name)-1]
		}
		if !c.rules.mayDeny(name) {
			continue
		}
		k := match(c.rules.deny, name)
		if k < 0 || c.opened(name) {
			continue
		}
		kind := KindFunction
		if c.inFrom(i) {
			kind = KindTableFunction
		}
		c.refuse(Refusal{Start: t.Start, End: t.End, Kind: kind, Name: name, Reason: c.rules.deny[k].reason,
			Option: c.rules.funcOption, Value: name})
	}
}

// inFrom reports whether token i follows FROM, JOIN or IN (a table
// function's positions), looking back over a qualifier.
func (c *Checker) inFrom(i int) bool {
	for i--; i >= 0; i-- {
		t := c.toks[i]
		switch {
		case t.Trivia():
			continue
		case t.Kind == lexer.Punct && c.src[t.Start] == '.':
			continue
		case t.Kind == lexer.Ident || t.Kind == lexer.QuotedIdent:
			continue
		case t.Kind == lexer.Keyword:
			w := c.src[t.Start:t.End]
			return strings.EqualFold(w, "FROM") || strings.EqualFold(w, "JOIN") || strings.EqualFold(w, "IN")
		case t.Kind == lexer.Punct && c.src[t.Start] == ',':
			return true // FROM a, f(...) - a guess that only changes the wording
		}
		return false
	}
	return false
}

// opened reports whether the data source's options open the name.
func (c *Checker) opened(name string) bool {
	return containsFold(c.opts.AllowedFunctions, name) || containsFold(c.opts.AllowedTableFunctions, name)
}

// node is the ast.Inspect visitor.
func (c *Checker) node(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.Query:
		if n.With != nil && len(n.With.CTEs) > 0 {
			c.scoped(n)
			return false
		}
	case *ast.TableRef:
		c.tableRef(n.Name)
	case *ast.TableFunc:
		c.tableFunc(n.Name)
	case *ast.In:
		switch o := n.Other.(type) {
		case *ast.ColumnRef: // ClickHouse x IN db.table
			if c.dia == "clickhouse" {
				c.tableParts(o.Span, o.Parts)
			}
		case *ast.Func: // ClickHouse x IN tableFunction(...)
			if c.dia == "clickhouse" {
				c.tableFunc(o.Name)
			}
		}
	case *ast.Setting:
		c.setting(n)
	case *ast.Opaque:
		c.opaque(n)
	}
	return true
}

// scoped visits a query with a WITH clause, its CTE names in scope.
func (c *Checker) scoped(q *ast.Query) {
	mark := len(c.ctes)
	for _, cte := range q.With.CTEs {
		c.ctes = append(c.ctes, cte.Name.Name)
	}
	ast.Inspect(q.With, c.visit)
	ast.Inspect(q.Body, c.visit)
	for _, n := range []ast.Node{q.OrderBy, q.LimitBy, q.Limit, q.Offset, q.Fetch, q.Settings} {
		if n != nil && !isNilNode(n) {
			ast.Inspect(n, c.visit)
		}
	}
	c.ctes = c.ctes[:mark]
}

func isNilNode(n ast.Node) bool {
	switch v := n.(type) {
	case *ast.OrderBy:
		return v == nil
	case *ast.LimitBy:
		return v == nil
	case *ast.Limit:
		return v == nil
	case *ast.Offset:
		return v == nil
	case *ast.Fetch:
		return v == nil
	case *ast.Settings:
		return v == nil
	}
	return false
}

// tableFunc checks a table function that is not denied (calls reported the
// denied ones): the dialect's allow-list, and arguments that name a
// database while table allow-lists are set.
func (c *Checker) tableFunc(name *ast.ObjectName) {
	if name == nil || len(name.Parts) == 0 {
		return
	}
	last := name.Parts[len(name.Parts)-1]
	fn := last.Name
	if match(c.rules.deny, fn) >= 0 || c.opened(fn) {
		return
	}
	if c.rules.tableFuncs != nil && match(c.rules.tableFuncs, fn) < 0 {
		c.refuse(Refusal{Start: last.Start, End: last.End, Kind: KindTableFunction, Name: fn,
			Reason: "it is not on Quarry's list of " + dialectTitle(c.dia) + " table functions that read only the database's own tables",
			Option: c.rules.funcOption, Value: fn})
		return
	}
	if c.opts.restrictsTables() && containsFold(c.rules.dbArgTableFuncs, fn) {
		c.refuse(Refusal{Start: last.Start, End: last.End, Kind: KindTableFunction, Name: fn,
			Reason: "its arguments name databases and tables, which the allowedSchemas / allowedDatabases check cannot see",
			Option: c.rules.funcOption, Value: fn})
		return
	}
	if len(name.Parts) > 1 && c.opts.restrictsTables() {
		// A qualified table function (PostgreSQL s.f(), BigQuery ds.tvf())
		// lives in a schema that must be allowed like a table's.
		c.tableParts(name.Span, name.Parts)
	}
}

// setting checks one ClickHouse SETTINGS key against the allow-list.
func (c *Checker) setting(s *ast.Setting) {
	if c.rules.settings == nil || match(c.rules.settings, s.Name.Name) >= 0 {
		return
	}
	c.refuse(Refusal{Start: s.Name.Start, End: s.Name.End, Kind: KindSetting, Name: s.Name.Name,
		Reason: "a query may not change the limits and access settings the data source sets (only settings that change no limit, such as max_threads or join_use_nulls, are allowed: see README, Security)"})
}

// opaque refuses an expression the parser could not model when it holds a
// query and table allow-lists are set: its tables cannot be checked.
func (c *Checker) opaque(o *ast.Opaque) {
	if !c.opts.restrictsTables() {
		return
	}
	i := sort.Search(len(c.toks), func(i int) bool { return c.toks[i].Start >= o.Start })
	for ; i < len(c.toks) && c.toks[i].End <= o.End; i++ {
		t := c.toks[i]
		if t.Kind == lexer.Keyword && (strings.EqualFold(c.src[t.Start:t.End], "SELECT") ||
			strings.EqualFold(c.src[t.Start:t.End], "FROM") || strings.EqualFold(c.src[t.Start:t.End], "TABLE")) {
			c.refuse(Refusal{Start: t.Start, End: t.End, Kind: KindTable, Name: "in an unrecognised expression",
				Reason: "the planner cannot tell which tables this expression reads, so the table allow-lists cannot be checked; rewrite it as a plain subquery"})
			return
		}
	}
}

// tableRef checks a named table against the table allow-lists (and, for
// DuckDB, refuses file paths in FROM).
func (c *Checker) tableRef(name *ast.ObjectName) {
	if name == nil || len(name.Parts) == 0 {
		return
	}
	if c.dia == "duckdb" && c.filePath(name) {
		return
	}
	if len(name.Parts) == 1 {
		for _, cte := range c.ctes {
			if strings.EqualFold(cte, name.Parts[0].Name) {
				return
			}
		}
	}
	c.tableParts(name.Span, name.Parts)
}

// filePath refuses a DuckDB replacement scan: FROM 'file.csv' or FROM
// "dir/file.parquet" reads a file.
func (c *Checker) filePath(name *ast.ObjectName) bool {
	p := name.Parts[0]
	lit := p.Start < len(c.src) && c.src[p.Start] == '\''
	path := false
	if len(name.Parts) == 1 && p.Quoted {
		path = strings.ContainsAny(p.Name, "/\\:.*")
	}
	if !lit && !path {
		return false
	}
	c.refuse(Refusal{Start: name.Start, End: name.End, Kind: KindTable, Name: p.Name,
		Reason: "a file path in FROM reads a file on the host (a DuckDB replacement scan); put the file in the data folder, whose files are views, or call read_csv / read_parquet",
		Option: OptAllowedFunctions, Value: "read_csv"})
	return true
}

// tableParts checks the schema / database a reference resolves to.
func (c *Checker) tableParts(span ast.Span, parts []ast.Ident) {
	o := c.opts
	if !o.restrictsTables() {
		return
	}
	db, schema, ok := c.resolve(parts)
	text := span.Text(c.src)
	if !ok {
		c.refuse(Refusal{Start: span.Start, End: span.End, Kind: KindTable, Name: text,
			Reason: "the planner cannot tell which dataset it belongs to (set the data source's default dataset, or qualify the name)"})
		return
	}
	if c.dia == "bigquery" {
		c.bigqueryTable(span, text, db, schema)
		return
	}
	catalog := containsFold(c.rules.catalogSchemas, schema)
	schemas := o.AllowedSchemas
	if c.dia == "clickhouse" && len(schemas) == 0 {
		schemas = o.AllowedDatabases
	}
	if len(schemas) > 0 && !catalog && !containsFold(schemas, schema) {
		opt := OptAllowedSchemas
		if c.dia == "clickhouse" {
			opt = OptAllowedDatabases
		}
		c.refuse(Refusal{Start: span.Start, End: span.End, Kind: KindTable, Name: text,
			Reason: fmt.Sprintf("%s %q is not among the data source's allowed %ss (%s)", schemaWord(c.dia), schema, schemaWord(c.dia), strings.Join(schemas, ", ")),
			Option: opt, Value: schema})
		return
	}
	if c.dia != "clickhouse" && len(o.AllowedDatabases) > 0 && db != "" && !containsFold(o.AllowedDatabases, db) {
		c.refuse(Refusal{Start: span.Start, End: span.End, Kind: KindTable, Name: text,
			Reason: fmt.Sprintf("database %q is not among the data source's allowed databases (%s)", db, strings.Join(o.AllowedDatabases, ", ")),
			Option: OptAllowedDatabases, Value: db})
	}
}

func (c *Checker) bigqueryTable(span ast.Span, text, project, dataset string) {
	o := c.opts
	eff := project
	if eff == "" {
		eff = o.DefaultDatabase
	}
	allowed := len(o.AllowedDatasets) == 0 && len(o.AllowedSchemas) == 0 ||
		DatasetAllowed(o.AllowedDatasets, o.DefaultDatabase, eff, dataset) ||
		DatasetAllowed(o.AllowedSchemas, o.DefaultDatabase, eff, dataset)
	full := dataset
	if project != "" {
		full = project + "." + dataset
	}
	if !allowed {
		c.refuse(Refusal{Start: span.Start, End: span.End, Kind: KindTable, Name: text,
			Reason: fmt.Sprintf("dataset %s is not among the data source's allowed datasets (%s)", full, joinLists(o.AllowedDatasets, o.AllowedSchemas)),
			Option: OptAllowedDatasets, Value: full})
		return
	}
	if len(o.AllowedDatabases) > 0 {
		p := project
		if p == "" {
			p = o.DefaultDatabase
		}
		if !containsFold(o.AllowedDatabases, p) {
			c.refuse(Refusal{Start: span.Start, End: span.End, Kind: KindTable, Name: text,
				Reason: fmt.Sprintf("project %q is not among the data source's allowed projects (%s)", p, strings.Join(o.AllowedDatabases, ", ")),
				Option: OptAllowedDatabases, Value: p})
		}
	}
}

// resolve returns the database (catalog / project) and schema (dataset) a
// table reference names, unqualified parts taking the defaults.
func (c *Checker) resolve(parts []ast.Ident) (db, schema string, ok bool) {
	o := c.opts
	defSchema := o.DefaultSchema
	if defSchema == "" {
		defSchema = c.rules.defaultSchema
	}
	n := len(parts)
	switch c.dia {
	case "clickhouse":
		if n == 1 {
			if o.DefaultDatabase != "" {
				return o.DefaultDatabase, o.DefaultDatabase, true
			}
			return defSchema, defSchema, true
		}
		return parts[n-2].Name, parts[n-2].Name, true
	case "bigquery":
		for i := 1; i < n; i++ {
			if strings.EqualFold(parts[i].Name, "INFORMATION_SCHEMA") {
				if strings.HasPrefix(strings.ToLower(parts[i-1].Name), "region-") {
					return "", "", false // project-wide views: no dataset to check
				}
				if i >= 2 {
					return parts[i-2].Name, parts[i-1].Name, true
				}
				return "", parts[i-1].Name, true
			}
		}
		switch n {
		case 1:
			if defSchema == "" {
				return "", "", false
			}
			return "", defSchema, true
		case 2:
			return "", parts[0].Name, true
		default:
			return parts[n-3].Name, parts[n-2].Name, true
		}
	default: // postgres, duckdb: [db.]schema.table
		switch n {
		case 1:
			return o.DefaultDatabase, defSchema, true
		case 2:
			return o.DefaultDatabase, parts[0].Name, true
		default:
			return parts[n-3].Name, parts[n-2].Name, true
		}
	}
}

func schemaWord(dialect string) string {
	if dialect == "clickhouse" {
		return "database"
	}
	return "schema"
}

func dialectTitle(d string) string {
	switch d {
	case "clickhouse":
		return "ClickHouse"
	case "duckdb":
		return "DuckDB"
	case "postgres":
		return "PostgreSQL"
	case "bigquery":
		return "BigQuery"
	}
	return d
}

// match returns the index of the first rule whose pattern matches name
// (case-insensitively), or -1.
func match(rules []rule, name string) int {
	for i := range rules {
		if matchFold(rules[i].pattern, name) {
			return i
		}
	}
	return -1
}

// matchFold matches a pattern with at most one '*' against name, ignoring
// ASCII case, without allocating.
func matchFold(pattern, name string) bool {
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		return len(pattern) == len(name) && strings.EqualFold(pattern, name)
	}
	pre, suf := pattern[:star], pattern[star+1:]
	if len(name) < len(pre)+len(suf) {
		return false
	}
	return strings.EqualFold(name[:len(pre)], pre) && strings.EqualFold(name[len(name)-len(suf):], suf)
}

func containsFold(list []string, name string) bool {
	for _, s := range list {
		if strings.EqualFold(s, name) {
			return true
		}
	}
	return false
}

func joinLists(a, b []string) string {
	if len(b) == 0 {
		return strings.Join(a, ", ")
	}
	if len(a) == 0 {
		return strings.Join(b, ", ")
	}
	return strings.Join(a, ", ") + ", " + strings.Join(b, ", ")
}

// SettingAllowed reports whether a query's own SETTINGS may hold the
// setting name in the dialect: ClickHouse's allow-list of settings that
// change no limit. Engines use it to decide which of a query's settings
// they may send on its behalf. Dialects without SETTINGS allow none.
func SettingAllowed(dialect, name string) bool {
	r := rulesFor(dialect)
	return r != nil && r.settings != nil && match(r.settings, name) >= 0
}

// DatasetAllowed reports whether BigQuery dataset project.dataset is on the
// list, whose entries are "dataset" (in defaultProject) or
// "project.dataset"; names compare without regard to case. An empty project
// is defaultProject.
func DatasetAllowed(list []string, defaultProject, project, dataset string) bool {
	if project == "" {
		project = defaultProject
	}
	for _, a := range list {
		p, d := defaultProject, a
		if i := strings.LastIndexByte(a, '.'); i >= 0 {
			p, d = a[:i], a[i+1:]
		}
		if strings.EqualFold(d, dataset) && strings.EqualFold(p, project) {
			return true
		}
	}
	return false
}
