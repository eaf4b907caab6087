package ast

// Inspect traverses the tree rooted at n depth-first in source order,
// calling f for each non-nil node. When f returns false, the node's children
// are skipped. Ident values and Span-only parts are not visited.
func Inspect(n Node, f func(Node) bool) {
	w := walker{f: f}
	w.node(n)
}

type walker struct{ f func(Node) bool }

func (w *walker) node(n Node) {
	if isNil(n) || !w.f(n) {
		return
	}
	switch n := n.(type) {
	case *Script:
		for _, s := range n.Statements {
			w.node(s)
		}
	case *Statement:
		w.query(n.Query)
	case *Query:
		if n.With != nil {
			w.node(n.With)
		}
		w.node(n.Body)
		if n.OrderBy != nil {
			w.node(n.OrderBy)
		}
		if n.LimitBy != nil {
			w.node(n.LimitBy)
		}
		if n.Limit != nil {
			w.node(n.Limit)
		}
		if n.Offset != nil {
			w.node(n.Offset)
		}
		if n.Fetch != nil {
			w.node(n.Fetch)
		}
		if n.Settings != nil {
			w.node(n.Settings)
		}
		if n.Format != nil {
			w.node(n.Format)
		}
	case *With:
		for _, c := range n.CTEs {
			w.node(c)
		}
	case *CTE:
		w.query(n.Query)
		w.expr(n.Expr)
	case *Values:
		for _, r := range n.Rows {
			w.node(r)
		}
	case *SetOp:
		w.node(n.Left)
		w.node(n.Right)
	case *Select:
		if n.Distinct != nil {
			w.node(n.Distinct)
		}
		for _, it := range n.Items {
			w.node(it)
		}
		if n.From != nil {
			w.node(n.From)
		}
		w.clause(n.Prewhere)
		w.clause(n.Where)
		if n.GroupBy != nil {
			w.node(n.GroupBy)
		}
		w.clause(n.Having)
		if n.Window != nil {
			w.node(n.Window)
		}
		w.clause(n.Qualify)
		if n.Sample != nil {
			w.node(n.Sample)
		}
	case *Distinct:
		w.exprs(n.On)
	case *SelectItem:
		w.expr(n.Expr)
	case *Clause:
		w.expr(n.Expr)
	case *From:
		for _, t := range n.Items {
			w.node(t)
		}
	case *TableRef:
		if n.Sample != nil {
			w.node(n.Sample)
		}
	case *TableFunc:
		w.exprs(n.Args)
	case *DerivedTable:
		w.query(n.Query)
	case *Unnest:
		w.exprs(n.Args)
	case *Join:
		w.node(n.Left)
		w.node(n.Right)
		w.expr(n.On)
	case *ParenTable:
		w.node(n.Inner)
	case *ArrayJoinList:
		for _, it := range n.Items {
			w.node(it)
		}
	case *Sample:
		w.expr(n.Ratio)
		w.expr(n.Offset)
	case *GroupBy:
		w.exprs(n.Items)
	case *GroupingSet:
		w.exprs(n.Items)
	case *WindowClause:
		for _, nw := range n.Windows {
			w.node(nw)
		}
	case *NamedWindow:
		if n.Spec != nil {
			w.node(n.Spec)
		}
	case *WindowSpec:
		w.exprs(n.PartitionBy)
		w.orderItems(n.OrderBy)
	case *OrderBy:
		w.orderItems(n.Items)
	case *OrderItem:
		w.expr(n.Expr)
		if n.Fill != nil {
			w.node(n.Fill)
		}
	case *WithFill:
		w.expr(n.From)
		w.expr(n.To)
		w.expr(n.Step)
	case *Limit:
		w.expr(n.Offset)
		w.expr(n.Count)
	case *LimitBy:
		w.expr(n.Offset)
		w.expr(n.Count)
		w.exprs(n.By)
	case *Offset:
		w.expr(n.Value)
	case *Fetch:
		w.expr(n.Count)
	case *Settings:
		for _, s := range n.Items {
			w.node(s)
		}
	case *Setting:
		w.expr(n.Value)
	case *Star:
		for _, it := range n.Replace {
			w.node(it)
		}
	case *Func:
		w.exprs(n.Params)
		w.exprs(n.Args)
		w.orderItems(n.OrderBy)
		w.orderItems(n.Within)
		w.expr(n.Filter)
		if n.Over != nil {
			w.node(n.Over)
		}
	case *Binary:
		w.expr(n.Left)
		w.expr(n.Right)
	case *Unary:
		w.expr(n.X)
	case *Paren:
		w.expr(n.X)
	case *Tuple:
		w.exprs(n.Items)
	case *Array:
		w.exprs(n.Items)
		w.query(n.Query)
	case *Map:
		for i := range n.Keys {
			w.expr(n.Keys[i])
			if i < len(n.Values) {
				w.expr(n.Values[i])
			}
		}
	case *Subscript:
		w.expr(n.X)
		w.expr(n.Index)
		w.expr(n.Hi)
	case *FieldAccess:
		w.expr(n.X)
	case *Subquery:
		w.query(n.Query)
	case *Exists:
		w.query(n.Query)
	case *In:
		w.expr(n.X)
		w.exprs(n.List)
		w.query(n.Query)
		w.expr(n.Other)
	case *Between:
		w.expr(n.X)
		w.expr(n.Lo)
		w.expr(n.Hi)
	case *Is:
		w.expr(n.X)
		w.expr(n.Right)
	case *Quantified:
		w.query(n.Query)
		w.expr(n.X)
	case *Case:
		w.expr(n.Operand)
		for _, wh := range n.Whens {
			w.node(wh)
		}
		w.expr(n.Else)
	case *When:
		w.expr(n.Cond)
		w.expr(n.Result)
	case *Cast:
		w.expr(n.X)
	case *Extract:
		w.expr(n.X)
	case *Interval:
		w.expr(n.Value)
	case *Lambda:
		w.expr(n.Body)
	case *Macro:
		w.exprs(n.Args)
	case *Opaque:
		for _, c := range n.Columns {
			w.node(c)
		}
	}
}

func (w *walker) query(q *Query) {
	if q != nil {
		w.node(q)
	}
}

func (w *walker) clause(c *Clause) {
	if c != nil {
		w.node(c)
	}
}

func (w *walker) expr(e Expr) {
	if e != nil {
		w.node(e)
	}
}

func (w *walker) exprs(es []Expr) {
	for _, e := range es {
		w.expr(e)
	}
}

func (w *walker) orderItems(items []*OrderItem) {
	for _, it := range items {
		w.node(it)
	}
}

// isNil reports whether n is nil or a typed nil pointer.
func isNil(n Node) bool {
	if n == nil {
		return true
	}
	switch v := n.(type) {
	case *Query:
		return v == nil
	case *Select:
		return v == nil
	case *SetOp:
		return v == nil
	}
	return false
}

// ColumnRefs returns the column references inside e (including those inside
// Opaque runs), not descending into subqueries.
func ColumnRefs(e Node) []*ColumnRef {
	var out []*ColumnRef
	Inspect(e, func(n Node) bool {
		switch n := n.(type) {
		case *ColumnRef:
			out = append(out, n)
		case *Query, *Subquery, *Exists:
			return false
		}
		return true
	})
	return out
}
