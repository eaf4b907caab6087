//go:build cgo

package duckdb

import (
	"container/list"
	"sync"

	duck "github.com/duckdb/duckdb-go/v2"
)

// Statement cache bounds: statements kept per pooled connection and the
// longest text kept.
const (
	stmtsPerConn  = 32
	maxCachedText = 32 << 10
)

// stmtCache keeps each pooled connection's prepared statements by their
// text, so that a text run again on the same connection (a panel's
// refresh, a variable, an alert rule, SELECT 1) is executed as prepared:
// DuckDB's extract and prepare (parse, bind, plan, optimise) were about
// 155 µs of a 1.1 ms SELECT 1 over gRPC.
//
// A kept statement is as fresh as a new one: DuckDB binds a prepared
// statement again when the catalog it depends on has changed, and a view
// over data-folder files expands its glob and reads the files on every
// execution (TestStatementCacheSeesNewFiles). The configuration is locked
// (lockDown), so no setting a plan depends on can change under it. A
// statement is only ever a checked SELECT or EXPLAIN (prepareOne), so
// nothing a query says can reach another query's statement: the cache
// holds the driver's handles, not names a query could redefine.
//
// A statement is used only by the goroutine that holds its connection:
// take removes it for the run, put returns it. A statement whose run
// failed is closed, not returned, and the text is prepared again next
// time. Connections are keyed by the driver connection; the pool keeps its
// connections open (no idle limit below the open limit, no lifetime), and
// past maxConns connections (four times the pool's size) new ones simply
// run uncached.
type stmtCache struct {
	mu       sync.Mutex
	conns    map[*duck.Conn]*connStmts
	maxConns int
}

// connStmts is one connection's statements, most recently used first.
type connStmts struct {
	byText map[string]*list.Element // of *cachedStmt
	order  list.List
}

type cachedStmt struct {
	text string
	stmt *duck.Stmt
}

func newStmtCache(poolSize int) *stmtCache {
	return &stmtCache{conns: make(map[*duck.Conn]*connStmts), maxConns: 4 * poolSize}
}

// take removes and returns the statement prepared for text on c, or nil.
func (sc *stmtCache) take(c *duck.Conn, text string) *duck.Stmt {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	cs := sc.conns[c]
	if cs == nil {
		return nil
	}
	el, ok := cs.byText[text]
	if !ok {
		return nil
	}
	delete(cs.byText, text)
	return cs.order.Remove(el).(*cachedStmt).stmt
}

// put keeps stmt, prepared for text on c, and reports whether it did; the
// caller closes a statement that was not kept. The least recently used
// statement of c beyond stmtsPerConn is closed: the caller holds c, so
// none of c's statements is running.
func (sc *stmtCache) put(c *duck.Conn, text string, stmt *duck.Stmt) bool {
	if len(text) > maxCachedText {
		return false
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	cs := sc.conns[c]
	if cs == nil {
		if sc.conns == nil || len(sc.conns) >= sc.maxConns {
			return false
		}
		cs = &connStmts{byText: make(map[string]*list.Element)}
		sc.conns[c] = cs
	}
	if _, ok := cs.byText[text]; ok {
		return false // the connection is held by one caller at a time, so this does not happen
	}
	cs.byText[text] = cs.order.PushFront(&cachedStmt{text: text, stmt: stmt})
	for cs.order.Len() > stmtsPerConn {
		old := cs.order.Remove(cs.order.Back()).(*cachedStmt)
		delete(cs.byText, old.text)
		_ = old.stmt.Close()
	}
	return true
}

// closeAll closes every kept statement and keeps none from then on. The
// engine calls it when no query is running, before it closes the database.
func (sc *stmtCache) closeAll() {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	for _, cs := range sc.conns {
		for el := cs.order.Front(); el != nil; el = el.Next() {
			_ = el.Value.(*cachedStmt).stmt.Close()
		}
	}
	sc.conns = nil
}

// len is the number of kept statements.
func (sc *stmtCache) len() int {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	n := 0
	for _, cs := range sc.conns {
		n += cs.order.Len()
	}
	return n
}
