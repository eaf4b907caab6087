package sqlplan

import (
	"context"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
	"sync"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/guard"
	"github.com/bigtent/quarry/pkg/sqlplan/macros"
	"github.com/bigtent/quarry/pkg/sqlplan/parser"
	"github.com/bigtent/quarry/pkg/sqlplan/pushdown"
)

// Planner plans requests, one after another or concurrently, and keeps the
// planner's scratch state (token buffers, syntax-tree slabs, macro and
// pushdown buffers) between them, so that planning in a long-lived process
// barely allocates. Plans it returns share nothing with that state. The
// zero value is ready to use; a Planner must not be copied after first use.
type Planner struct {
	pool sync.Pool // of *scratch
}

// Build plans one request exactly as the package-level Build does.
func (p *Planner) Build(ctx context.Context, req Request) (*Plan, error) {
	s, ok := p.pool.Get().(*scratch)
	if !ok {
		s = new(scratch)
	}
	defer p.pool.Put(s)
	return build(ctx, req, s)
}

// scratch is the reusable state of one planning at a time.
type scratch struct {
	parser   parser.Parser
	macros   macros.Expander
	pushdown pushdown.Planner
	guard    guard.Checker
	// guardOpts is the request's trust options while guard checks them (a
	// copy here keeps the request itself off the heap).
	guardOpts guard.Options
	// stmtTokens is the statement-macro pass's token memory.
	stmtTokens []lexer.Token
	// edits and adhoc are build's buffers; their texts stay reachable only
	// until the next request.
	edits []pushdown.Edit
	adhoc []ast.Span
	// zones are the time zones loaded so far, by name (at most maxZones).
	zones map[string]*time.Location
}

// maxZones bounds a scratch's time zone cache; dashboards use a handful.
const maxZones = 16

// loadZone is time.LoadLocation remembering the zones it has loaded.
func (s *scratch) loadZone(name string) (*time.Location, error) {
	if loc, ok := s.zones[name]; ok {
		return loc, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	if s.zones == nil || len(s.zones) >= maxZones {
		s.zones = make(map[string]*time.Location, 4)
	}
	s.zones[name] = loc
	return loc, nil
}
