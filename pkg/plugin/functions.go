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

// functionCache keeps one engine's function list with an expiry; one load
// runs at a time and failures are not kept.
type functionCache struct {
	mu      sync.Mutex
	list    []engine.Function
	expires time.Time
}

// get returns the cached list, loading it when missing or expired.
func (c *functionCache) get(ctx context.Context, now time.Time, load func(context.Context) ([]engine.Function, error)) ([]engine.Function, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.list != nil && now.Before(c.expires) {
		return c.list, nil
	}
	list, err := load(ctx)
	if err != nil {
		return nil, err
	}
	c.list = nonNil(list)
	c.expires = now.Add(functionsTTL)
	return c.list, nil
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
