package ast

// Expr is an expression node.
type Expr interface {
	Node
	exprNode()
}

// ColumnRef is a possibly qualified column name: col, t.col, s.t.col,
// `t`.col. In BigQuery a trailing part may also be a struct field.
type ColumnRef struct {
	Span
	Parts []Ident
}

// Name returns the last part (the column name).
func (c *ColumnRef) Name() Ident { return c.Parts[len(c.Parts)-1] }

// Qualifier returns the parts before the name (table alias, or schema and
// table), or nil.
func (c *ColumnRef) Qualifier() []Ident { return c.Parts[:len(c.Parts)-1] }

// LiteralKind is the kind of a Literal.
type LiteralKind uint8

// Literal kinds.
const (
	LitNumber LiteralKind = iota + 1
	LitString
	LitBool
	LitNull
)

// Literal is a number, string, TRUE/FALSE or NULL literal. A typed literal
// such as DATE '2024-01-01' or TIMESTAMP '…' is a Literal with Type set.
type Literal struct {
	Span
	Kind LiteralKind
	// Type is the type keyword span of a typed literal (DATE '…'), or zero.
	Type Span
}

// Star is * or qual.* with BigQuery/DuckDB/ClickHouse modifiers:
// * EXCEPT (cols), * EXCLUDE (cols), * REPLACE (expr AS col, ...).
type Star struct {
	Span
	Qualifier []Ident
	Except    []Ident
	Replace   []*SelectItem
}

// Func is a function call: name([DISTINCT] args [ORDER BY ...])
// [WITHIN GROUP (ORDER BY ...)] [FILTER (WHERE ...)] [IGNORE|RESPECT NULLS]
// [OVER window]. ClickHouse parametric calls name(params)(args) keep the
// parameters in Params. The niladic SQL functions written without
// parentheses (CURRENT_DATE, CURRENT_TIMESTAMP, ...) are Funcs with a zero
// ArgsSpan.
type Func struct {
	Span
	Name     *ObjectName
	Distinct bool
	Args     []Expr
	// ArgsSpan is the span inside the argument parentheses.
	ArgsSpan Span
	Params   []Expr
	OrderBy  []*OrderItem
	Within   []*OrderItem
	Filter   Expr
	Over     *WindowSpec
}

// Binary is left op right. Op is normalised to upper case with single
// spaces for word operators: "AND", "OR", "=", "<>", "LIKE", "NOT LIKE",
// "ILIKE", "SIMILAR TO", "||", "->", "->>", "~", "IS DISTINCT FROM", ...
type Binary struct {
	Span
	Op          string
	OpSpan      Span
	Left, Right Expr
}

// Unary is op x: NOT, -, +, ~, and PostgreSQL prefix operators.
type Unary struct {
	Span
	Op string
	X  Expr
}

// Paren is (x).
type Paren struct {
	Span
	X Expr
}

// Tuple is (a, b, ...) or ROW(a, b) or a BigQuery STRUCT(a, b) /
// STRUCT<...>(...).
type Tuple struct {
	Span
	Items []Expr
	// Keyword is "", "ROW" or "STRUCT".
	Keyword string
}

// Array is [a, b] or ARRAY[a, b] or ARRAY(subquery) or BigQuery
// ARRAY<T>[...]. For ARRAY(subquery), Query is set.
type Array struct {
	Span
	Items []Expr
	Query *Query
}

// Map is a map/struct literal {k: v, ...} (DuckDB, BigQuery JSON-ish) or
// MAP {...} / MAP(...)
type Map struct {
	Span
	Keys, Values []Expr
}

// Subscript is x[index] or x[lo:hi].
type Subscript struct {
	Span
	X     Expr
	Index Expr
	// Hi is set for a slice x[lo:hi].
	Hi    Expr
	Slice bool
}

// FieldAccess is x.field after a non-name expression: (x).f, f(x).g, t.1.
type FieldAccess struct {
	Span
	X     Expr
	Field Ident
}

// Subquery is (query) used as a value.
type Subquery struct {
	Span
	Query *Query
}

// Exists is [NOT] EXISTS (query).
type Exists struct {
	Span
	Not   bool
	Query *Query
}

// In is x [NOT] IN (list) or x [NOT] IN (query) or x IN UNNEST(arr) or
// ClickHouse x [GLOBAL] IN table.
type In struct {
	Span
	X     Expr
	Not   bool
	List  []Expr
	Query *Query
	// Other is the right side when it is neither a list nor a query
	// (UNNEST(...), a table name, a template variable).
	Other Expr
}

// Between is x [NOT] BETWEEN lo AND hi.
type Between struct {
	Span
	X, Lo, Hi Expr
	Not       bool
}

// Is is x IS [NOT] NULL|TRUE|FALSE|UNKNOWN|DISTINCT FROM y.
type Is struct {
	Span
	X   Expr
	Not bool
	// What is "NULL", "TRUE", "FALSE", "UNKNOWN" or "DISTINCT FROM".
	What  string
	Right Expr
}

// Quantified is op ANY|SOME|ALL (query or array): x = ANY(arr).
type Quantified struct {
	Span
	Quantifier string // ANY, SOME, ALL
	Query      *Query
	X          Expr
}

// Case is CASE [operand] WHEN ... THEN ... [ELSE ...] END.
type Case struct {
	Span
	Operand Expr
	Whens   []*When
	Else    Expr
}

// When is WHEN cond THEN result.
type When struct {
	Span
	Cond, Result Expr
}

// Cast is CAST(x AS T), TRY_CAST, SAFE_CAST, x::T, or ClickHouse CAST(x, 'T').
type Cast struct {
	Span
	// Kind is "CAST", "TRY_CAST", "SAFE_CAST" or "::".
	Kind string
	X    Expr
	// Type is the span of the type text.
	Type Span
}

// Extract is EXTRACT(part FROM x).
type Extract struct {
	Span
	Part Ident
	X    Expr
}

// Interval is INTERVAL value [unit [TO unit]].
type Interval struct {
	Span
	Value Expr
	// Unit is the span of the unit words, or zero.
	Unit Span
}

// Lambda is x -> body or (x, y) -> body.
type Lambda struct {
	Span
	Params []Ident
	Body   Expr
}

// Macro is a Grafana macro ($__name or $__name(args)): an opaque operand.
type Macro struct {
	Span
	Name string // without "$", e.g. "__timeFilter"
	// Args are the arguments when called with parentheses; HasArgs tells
	// $__timeFrom() from $__timeFrom.
	Args     []Expr
	ArgsSpan Span
	HasArgs  bool
}

// Variable is a template variable ($var, ${var:fmt}, [[var]]): an opaque
// operand.
type Variable struct {
	Span
}

// Param is a query parameter: $1, ?, @name, {name:Type}.
type Param struct {
	Span
}

// Opaque is a balanced token run the grammar does not model (an unknown
// operator or function syntax). Columns lists the column references the
// parser recognised inside it.
type Opaque struct {
	Span
	Columns []*ColumnRef
}

func (*ColumnRef) exprNode()   {}
func (*Literal) exprNode()     {}
func (*Star) exprNode()        {}
func (*Func) exprNode()        {}
func (*Binary) exprNode()      {}
func (*Unary) exprNode()       {}
func (*Paren) exprNode()       {}
func (*Tuple) exprNode()       {}
func (*Array) exprNode()       {}
func (*Map) exprNode()         {}
func (*Subscript) exprNode()   {}
func (*FieldAccess) exprNode() {}
func (*Subquery) exprNode()    {}
func (*Exists) exprNode()      {}
func (*In) exprNode()          {}
func (*Between) exprNode()     {}
func (*Is) exprNode()          {}
func (*Quantified) exprNode()  {}
func (*Case) exprNode()        {}
func (*Cast) exprNode()        {}
func (*Extract) exprNode()     {}
func (*Interval) exprNode()    {}
func (*Lambda) exprNode()      {}
func (*Macro) exprNode()       {}
func (*Variable) exprNode()    {}
func (*Param) exprNode()       {}
func (*Opaque) exprNode()      {}

func (k LiteralKind) String() string {
	switch k {
	case LitNumber:
		return "number"
	case LitString:
		return "string"
	case LitBool:
		return "bool"
	case LitNull:
		return "null"
	}
	return "?"
}
func (*GroupingSet) exprNode() {}
