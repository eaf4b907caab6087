package macros

import "github.com/bigtent/quarry/pkg/sqlplan/lexer"

// Expander expands macros of one query after another, reusing its Env,
// Result and buffers. What a call returns (the *Env, the *Result, its
// slices and its Fill) is valid only until the next call on the same
// Expander; strings in them may be kept (they are immutable). The zero
// value is ready. Not safe for concurrent use.
//
// It keeps at most maxZones loaded time zones, the range bounds of the
// last Env (queries of one dashboard share their range) and, for those
// bounds, the last maxFilters $__timeFilter expansions (queries filter on
// few time columns; expansions are immutable strings, so one may be handed
// out again).
type Expander struct {
	env   Env
	cache envCache
	s     scratch
	fills [2]Fill // s.fills
}

// NewEnv is like the package-level NewEnv, reusing the Expander's Env (and
// caching loaded time zones by name inside the Expander, so a zone's tzdata
// is read once per Expander, not per query).
func (x *Expander) NewEnv(c Config) (*Env, error) {
	if err := x.env.init(c, &x.cache.b, &x.cache); err != nil {
		x.env = Env{}
		return nil, err
	}
	return &x.env, nil
}

// ExpandAll is like the package-level ExpandAll, reusing the Expander's
// Result and scratch.
func (x *Expander) ExpandAll(src string, toks []lexer.Token, env *Env) (*Result, error) {
	x.s.fills = &x.fills
	return expandAll(&x.s, src, toks, env)
}
