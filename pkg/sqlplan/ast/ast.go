// Package ast holds the syntax tree of the Quarry planner's SQL parser.
//
// Every node embeds a Span: the byte range [Start, End) of the original SQL
// it covers, so the planner edits the user's text at exact offsets instead of
// re-printing the tree. Spans of clauses start at the clause keyword and end
// after the last token of the clause (never after trailing whitespace or
// comments). Insertion points (Select.WhereInsert, Query.LimitInsert) are
// offsets where new text can be inserted safely.
//
// Expressions the grammar does not model are Opaque nodes: a balanced token
// run, kept as a span, with the column references found inside it.
package ast

import "github.com/bigtent/quarry/pkg/sqlplan/lexer"

// Span is a byte range [Start, End) of the source.
type Span struct {
	Start, End int
}

// NodeSpan returns the span; every node gets it by embedding Span.
func (s Span) NodeSpan() Span { return s }

// Text returns the spanned text of src.
func (s Span) Text(src string) string {
	if s.Start < 0 || s.End > len(src) || s.Start > s.End {
		return ""
	}
	return src[s.Start:s.End]
}

// IsZero reports whether the span is unset.
func (s Span) IsZero() bool { return s.Start == 0 && s.End == 0 }

// Node is any syntax tree node.
type Node interface {
	NodeSpan() Span
}

// Script is the result of parsing one SQL text: one or more statements.
type Script struct {
	Span
	// Src is the parsed text; every span indexes it.
	Src string
	// Tokens are the lexed tokens of Src (they tile it).
	Tokens []lexer.Token
	// Statements in order; a single trailing ';' gives no extra statement.
	Statements []*Statement
	// Semicolons are the spans of the statement separators.
	Semicolons []Span
}

// StatementKind classifies a statement.
type StatementKind uint8

// Statement kinds. The planner plans only read statements (see ReadOnly).
const (
	StmtUnknown StatementKind = iota
	StmtSelect
	StmtExplain
	StmtShow
	StmtDescribe
	StmtInsert
	StmtUpdate
	StmtDelete
	StmtMerge
	StmtCreate
	StmtAlter
	StmtDrop
	StmtTruncate
	StmtRename
	StmtGrant
	StmtRevoke
	StmtSet
	StmtCall
	StmtCopy
	StmtUse
	StmtTransaction // BEGIN, COMMIT, ROLLBACK, START
	StmtOther       // any other recognised command (ATTACH, OPTIMIZE, PRAGMA, VACUUM, ...)
)

var stmtNames = [...]string{
	StmtUnknown: "unknown", StmtSelect: "select", StmtExplain: "explain", StmtShow: "show",
	StmtDescribe: "describe", StmtInsert: "insert", StmtUpdate: "update", StmtDelete: "delete",
	StmtMerge: "merge", StmtCreate: "create", StmtAlter: "alter", StmtDrop: "drop", StmtTruncate: "truncate",
	StmtRename: "rename", StmtGrant: "grant", StmtRevoke: "revoke", StmtSet: "set", StmtCall: "call",
	StmtCopy: "copy", StmtUse: "use", StmtTransaction: "transaction", StmtOther: "other",
}

// String returns the lower-case name: select, explain, show, describe, ...
func (k StatementKind) String() string {
	if int(k) < len(stmtNames) {
		return stmtNames[k]
	}
	return "unknown"
}

// ReadOnly reports whether the statement only reads: SELECT (with WITH),
// EXPLAIN, SHOW and DESCRIBE.
func (k StatementKind) ReadOnly() bool {
	return k == StmtSelect || k == StmtExplain || k == StmtShow || k == StmtDescribe
}

// Statement is one statement of a script. Its span excludes the ';'.
type Statement struct {
	Span
	Kind StatementKind
	// KeywordSpan is the span of the leading keyword (SELECT, WITH, EXPLAIN,
	// INSERT, ...), or of the '(' of a parenthesized query.
	KeywordSpan Span
	// Query is the query of a SELECT statement, and of EXPLAIN <query>.
	Query *Query
	// Explained is the kind of the statement after EXPLAIN [ANALYZE ...].
	Explained StatementKind
}

// With is a WITH clause.
type With struct {
	Span
	Recursive bool
	CTEs      []*CTE
}

// CTE is one common table expression: name [(cols)] AS [NOT] [MATERIALIZED]
// (query). ClickHouse's `WITH <expr> AS name` gives a CTE with Expr set and
// Query nil.
type CTE struct {
	Span
	Name    Ident
	Columns []Ident
	Query   *Query
	Expr    Expr
}

// SetExpr is the body of a query: *Select, *SetOp, *Values, or a *Query (a
// parenthesized query, or a ClickHouse UNION branch with its own ORDER BY /
// LIMIT / SETTINGS).
type SetExpr interface {
	Node
	setExpr()
}

// Query is a query expression: [WITH] body [ORDER BY] [LIMIT ... BY]
// [LIMIT] [OFFSET] [FETCH] [SETTINGS] [FORMAT].
type Query struct {
	Span
	// Paren is true for a parenthesized query; Span includes the parentheses
	// and Inner is the span inside them.
	Paren bool
	Inner Span
	With  *With
	Body  SetExpr
	// The trailing clauses, as written after the body.
	OrderBy  *OrderBy
	LimitBy  *LimitBy // ClickHouse LIMIT n BY cols
	Limit    *Limit
	Offset   *Offset
	Fetch    *Fetch
	Settings *Settings // ClickHouse
	Format   *Format   // ClickHouse
	// LimitInsert is where a LIMIT clause can be inserted when Limit is nil:
	// after the body / ORDER BY / LIMIT BY / OFFSET, before SETTINGS and FORMAT.
	LimitInsert int
}

// SetOpKind is UNION, INTERSECT or EXCEPT.
type SetOpKind uint8

// Set operation kinds.
const (
	Union SetOpKind = iota + 1
	Intersect
	Except
)

func (k SetOpKind) String() string {
	switch k {
	case Union:
		return "UNION"
	case Intersect:
		return "INTERSECT"
	case Except:
		return "EXCEPT"
	}
	return "?"
}

// SetOp is left UNION|INTERSECT|EXCEPT [ALL|DISTINCT] right.
type SetOp struct {
	Span
	Op SetOpKind
	// Quantifier is "", "ALL" or "DISTINCT" (also "BY NAME" variants appear here).
	Quantifier  string
	OpSpan      Span
	Left, Right SetExpr
}

// Select is one SELECT block.
type Select struct {
	Span
	KeywordSpan Span
	// Distinct is set for SELECT DISTINCT [ON (...)].
	Distinct *Distinct
	// As is "STRUCT" or "VALUE" for BigQuery SELECT AS STRUCT / AS VALUE.
	As    string
	Items []*SelectItem
	// ItemsSpan covers the select list.
	ItemsSpan Span
	From      *From
	Prewhere  *Clause // ClickHouse
	Where     *Clause
	// WhereInsert is where a WHERE clause can be inserted when Where is nil:
	// after the last token of the select list / FROM / PREWHERE.
	WhereInsert int
	GroupBy     *GroupBy
	Having      *Clause
	Window      *WindowClause
	Qualify     *Clause
	// Sample is DuckDB's USING SAMPLE clause (after WHERE / GROUP BY /
	// HAVING, before ORDER BY).
	Sample *Sample
}

// Distinct is DISTINCT [ON (exprs)].
type Distinct struct {
	Span
	On []Expr
}

// SelectItem is one item of a select list: expr [[AS] alias], or a star.
type SelectItem struct {
	Span
	Expr  Expr
	Alias *Ident
}

// Clause is a keyword followed by one expression: WHERE, PREWHERE, HAVING,
// QUALIFY. Span starts at the keyword; Expr carries the expression's span.
type Clause struct {
	Span
	KeywordSpan Span
	Expr        Expr
}

// From is the FROM clause. Items are comma-separated; joins nest in Join.
type From struct {
	Span
	Items []TableExpr
}

// TableExpr is an item of FROM: *TableRef, *TableFunc, *DerivedTable,
// *Unnest, *Join, *ParenTable or *ArrayJoinList (the right side of an ARRAY
// JOIN).
type TableExpr interface {
	Node
	tableExpr()
}

// TableRef is a named table: [project.]dataset.table [FINAL] [SAMPLE ...]
// [[AS] alias].
type TableRef struct {
	Span
	Name   *ObjectName
	Alias  *Alias
	Final  *Span   // ClickHouse FINAL
	Sample *Sample // ClickHouse SAMPLE / TABLESAMPLE
}

// TableFunc is a table function: numbers(10), generate_series(...),
// read_parquet(...).
type TableFunc struct {
	Span
	Name     *ObjectName
	Args     []Expr
	ArgsSpan Span // inside the parentheses
	Alias    *Alias
	// WithOrdinality is PostgreSQL's WITH ORDINALITY.
	WithOrdinality bool
}

// DerivedTable is [LATERAL] (query) [[AS] alias].
type DerivedTable struct {
	Span
	Lateral bool
	Query   *Query
	Alias   *Alias
}

// Unnest is UNNEST(exprs) [[AS] alias] [WITH OFFSET [[AS] alias]].
type Unnest struct {
	Span
	Args       []Expr
	Alias      *Alias
	WithOffset *Alias // set (maybe with an empty name) when WITH OFFSET is present
	HasOffset  bool
}

// JoinKind is the text of a join's operator, normalised to upper case with
// single spaces: "JOIN", "INNER JOIN", "LEFT JOIN", "LEFT OUTER JOIN",
// "CROSS JOIN", "NATURAL JOIN", "GLOBAL ANY LEFT JOIN", "ARRAY JOIN",
// "LEFT ARRAY JOIN", "ASOF JOIN", "LEFT SEMI JOIN", ...
type JoinKind string

// Join is left <kind> right [ON expr | USING (cols)].
type Join struct {
	Span
	Kind        JoinKind
	KindSpan    Span
	Left, Right TableExpr
	On          Expr
	Using       []Ident
	// Lateral is set for LATERAL on the right side.
	Lateral bool
}

// ParenTable is a parenthesized join tree: (a JOIN b ON ...) [alias].
type ParenTable struct {
	Span
	Inner TableExpr
	Alias *Alias
}

// ArrayJoinList is the right side of a ClickHouse [LEFT] ARRAY JOIN: a list
// of expressions with aliases.
type ArrayJoinList struct {
	Span
	Items []*SelectItem
}

// Sample is ClickHouse SAMPLE n [OFFSET m], TABLESAMPLE (...), or DuckDB
// TABLESAMPLE / USING SAMPLE n% (Ratio holds the number).
type Sample struct {
	Span
	Ratio  Expr
	Offset Expr
}

// Alias is [AS] name [(col, ...)].
type Alias struct {
	Span
	Name    Ident
	Columns []Ident
}

// Ident is an identifier. Name is its value: the text of a bare word, or
// the text between the quotes of a quoted one (escapes undone).
type Ident struct {
	Span
	Name   string
	Quoted bool
}

// ObjectName is a dotted name: a, s.t, project.dataset.table,
// `project.dataset.table` (one quoted part that holds dots).
type ObjectName struct {
	Span
	Parts []Ident
}

// GroupBy is GROUP BY items | ALL [WITH ROLLUP|CUBE|TOTALS].
type GroupBy struct {
	Span
	All   bool
	Items []Expr
	// With lists the ClickHouse/MySQL modifiers: "ROLLUP", "CUBE", "TOTALS".
	With []string
}

// GroupingSet is ROLLUP(...), CUBE(...) or GROUPING SETS (...) in GROUP BY.
type GroupingSet struct {
	Span
	Kind  string // ROLLUP, CUBE, GROUPING SETS
	Items []Expr
}

// WindowClause is WINDOW name AS (spec), ...
type WindowClause struct {
	Span
	Windows []*NamedWindow
}

// NamedWindow is one name AS (spec) of a WINDOW clause.
type NamedWindow struct {
	Span
	Name Ident
	Spec *WindowSpec
}

// WindowSpec is ([base] [PARTITION BY ...] [ORDER BY ...] [frame]) or a
// window name after OVER.
type WindowSpec struct {
	Span
	Name        *Ident
	PartitionBy []Expr
	OrderBy     []*OrderItem
	Frame       *Span
}

// OrderBy is ORDER BY items [INTERPOLATE (...)], or DuckDB's ORDER BY ALL
// [ASC|DESC].
type OrderBy struct {
	Span
	All         bool
	Desc        bool // with All
	Items       []*OrderItem
	Interpolate *Span
}

// OrderItem is expr [ASC|DESC] [NULLS FIRST|LAST] [WITH FILL ...].
type OrderItem struct {
	Span
	Expr       Expr
	Desc       bool
	NullsFirst *bool
	Fill       *WithFill
}

// WithFill is ClickHouse WITH FILL [FROM x] [TO y] [STEP z].
type WithFill struct {
	Span
	From, To, Step Expr
}

// Limit is LIMIT count [OFFSET m], LIMIT offset, count, or LIMIT ALL.
type Limit struct {
	Span
	// Count is nil for LIMIT ALL.
	Count Expr
	// Offset is the m of LIMIT n OFFSET m or the first value of LIMIT m, n.
	Offset Expr
	// Comma is set for the LIMIT m, n form.
	Comma bool
	// WithTies is ClickHouse WITH TIES.
	WithTies bool
}

// LimitBy is ClickHouse LIMIT n [OFFSET m] BY exprs (or LIMIT m, n BY ...).
type LimitBy struct {
	Span
	Count  Expr
	Offset Expr
	By     []Expr
}

// Offset is OFFSET n [ROW|ROWS].
type Offset struct {
	Span
	Value Expr
}

// Fetch is FETCH FIRST|NEXT [n] ROW|ROWS ONLY|WITH TIES.
type Fetch struct {
	Span
	Count    Expr
	WithTies bool
}

// Settings is ClickHouse SETTINGS k = v, ...
type Settings struct {
	Span
	Items []*Setting
}

// Setting is one k = v of SETTINGS.
type Setting struct {
	Span
	Name  Ident
	Value Expr
}

// Format is ClickHouse FORMAT name.
type Format struct {
	Span
	Name Ident
}

func (*Select) setExpr() {}
func (*SetOp) setExpr()  {}
func (*Query) setExpr()  {}

func (*TableRef) tableExpr()      {}
func (*TableFunc) tableExpr()     {}
func (*DerivedTable) tableExpr()  {}
func (*Unnest) tableExpr()        {}
func (*Join) tableExpr()          {}
func (*ParenTable) tableExpr()    {}
func (*ArrayJoinList) tableExpr() {}

// Values is a VALUES (row), (row) list used as a query body.
type Values struct {
	Span
	Rows []*Tuple
}

func (*Values) setExpr() {}
