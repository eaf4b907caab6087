package sqlplan

import (
	"context"
	"sync"
	"time"

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
	pushdown pushdown.Planner
	// zone is the last time zone loaded by name (nil: none yet).
	zoneName string
	zone     *time.Location
}

// loadZone is time.LoadLocation remembering the last zone it loaded.
func (s *scratch) loadZone(name string) (*time.Location, error) {
	if s.zone != nil && s.zoneName == name {
		return s.zone, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	s.zoneName, s.zone = name, loc
	return loc, nil
}
