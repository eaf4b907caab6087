package plugin

import (
	"context"
	"sync"
	"time"

	"github.com/bigtent/quarry/pkg/engine"
)

// functionsTTL is how long the list of server functions is kept per data
// source instance: functions change with server upgrades and extensions,
// rarely within minutes.
const functionsTTL = 10 * time.Minute

// functionCache keeps one engine's function list with an expiry. The load
// runs with no lock held, one at a time: other callers wait for it or for
// their own deadline. Failures are not kept.
type functionCache struct {
	mu       sync.Mutex
	list     []engine.Function
	expires  time.Time
	inflight chan struct{} // closed when the running load ends
}

// get returns the cached list, loading it when missing or expired.
func (c *functionCache) get(ctx context.Context, now time.Time, load func(context.Context) ([]engine.Function, error)) ([]engine.Function, error) {
	for {
		c.mu.Lock()
		if c.list != nil && now.Before(c.expires) {
			list := c.list
			c.mu.Unlock()
			return list, nil
		}
		if busy := c.inflight; busy != nil {
			c.mu.Unlock()
			select {
			case <-busy:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		done := make(chan struct{})
		c.inflight = done
		c.mu.Unlock()

		list, err := load(ctx)

		c.mu.Lock()
		c.inflight = nil
		if err == nil {
			c.list = nonNil(list)
			c.expires = now.Add(functionsTTL)
			list = c.list
		}
		c.mu.Unlock()
		close(done)
		if err != nil {
			return nil, err
		}
		return list, nil
	}
}

// Functions lists the functions of the connected server for completion,
// cached for functionsTTL. An engine that cannot list them answers an empty
// list.
func (s *Service) Functions(ctx context.Context) ([]engine.Function, error) {
	lister, ok := s.eng.(engine.FunctionLister)
	if !ok {
		return []engine.Function{}, nil
	}
	return s.functions.get(ctx, time.Now(), lister.Functions)
}
