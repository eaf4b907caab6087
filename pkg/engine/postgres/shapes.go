package postgres

import (
	"slices"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// maxShapes bounds the result shapes an engine remembers.
const maxShapes = 512

// shapeCache remembers, per SQL text, the type OIDs of the result columns
// its last successful run returned. A query whose text was seen before is
// bound with its result formats in the same round trip as its BEGIN, SET
// and Parse (pgx's statement cache does the same for prepared statements);
// the server's row description is checked against the formats asked for,
// so a changed table costs a fallback, never a wrong decode. The zero
// value is ready to use.
type shapeCache struct {
	mu sync.Mutex
	m  map[string][]uint32
}

// get returns the OIDs remembered for sql.
func (c *shapeCache) get(sql string) ([]uint32, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	oids, ok := c.m[sql]
	return oids, ok
}

// put remembers the OIDs of fds for sql, dropping an arbitrary entry when
// the cache is full.
func (c *shapeCache) put(sql string, fds []pgconn.FieldDescription) {
	oids := make([]uint32, len(fds))
	for i, fd := range fds {
		oids[i] = fd.DataTypeOID
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string][]uint32)
	}
	if _, ok := c.m[sql]; !ok && len(c.m) >= maxShapes {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[sql] = oids
}

// drop forgets sql.
func (c *shapeCache) drop(sql string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, sql)
}

// resultFormats are the formats pgx chooses for these result types:
// binary for the types its registry knows, text otherwise.
func resultFormats(tm *pgtype.Map, oids []uint32) []int16 {
	f := make([]int16, len(oids))
	for i, oid := range oids {
		f[i] = tm.FormatCodeForOID(oid)
	}
	return f
}

// formatsMatch reports whether the server's description of the result
// (fds) has the columns and formats the query was bound with: each
// column's format is the one pgx would choose for its actual type, so the
// decoders built from fds read it as they would after a Describe.
func formatsMatch(tm *pgtype.Map, fds []pgconn.FieldDescription, asked []int16) bool {
	if len(fds) != len(asked) {
		return false
	}
	return slices.EqualFunc(fds, asked, func(fd pgconn.FieldDescription, f int16) bool {
		return fd.Format == f && tm.FormatCodeForOID(fd.DataTypeOID) == f
	})
}
