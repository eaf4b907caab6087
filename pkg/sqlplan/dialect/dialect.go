// Package dialect answers the small per-dialect questions the planner asks:
// how to quote an identifier or a string, how to write a number, a time or a
// regex match, which functions a server version has, and what kind of time
// value an engine type holds.
//
// It knows SQL dialects, not Grafana. It imports no other planner package so
// that every planner package (macros, pushdown, the plan assembly) can use it.
package dialect

import (
	"fmt"
	"strconv"
	"strings"
)

// Name is a dialect name. Its values equal sqlplan.Dialect's, so a caller
// converts with dialect.Name(req.Dialect).
type Name string

// The supported dialects.
const (
	BigQuery   Name = "bigquery"
	Postgres   Name = "postgres"
	ClickHouse Name = "clickhouse"
	DuckDB     Name = "duckdb"
)

// Dialect is one dialect at one server version. The zero value is not
// usable; build it with New.
type Dialect struct {
	name    Name
	version Version
}

// New returns the dialect called name at serverVersion ("" means the newest
// server: every capability is assumed present).
func New(name Name, serverVersion string) (Dialect, error) {
	switch name {
	case BigQuery, Postgres, ClickHouse, DuckDB:
	default:
		return Dialect{}, fmt.Errorf("unknown dialect %q: use bigquery, postgres, clickhouse or duckdb", string(name))
	}
	v, err := ParseVersion(serverVersion)
	if err != nil {
		return Dialect{}, fmt.Errorf("dialect %s: %w", name, err)
	}
	return Dialect{name: name, version: v}, nil
}

// MustNew is New for names and versions known to be valid (tests, tables).
// It panics on error.
func MustNew(name Name, serverVersion string) Dialect {
	d, err := New(name, serverVersion)
	if err != nil {
		panic(err)
	}
	return d
}

// Name returns the dialect's name.
func (d Dialect) Name() Name { return d.name }

// Version returns the server version the dialect was built for.
func (d Dialect) Version() Version { return d.version }

// String returns "name" or "name@version".
func (d Dialect) String() string {
	if d.version.IsZero() {
		return string(d.name)
	}
	return string(d.name) + "@" + d.version.String()
}

// Version is a dotted server version such as 18.16.1 or 24.3.1.2672. The
// zero Version means "unknown, assume the newest".
type Version struct {
	// text is the version's dotted run of numbers ("18.16.1"), a substring
	// of the parsed text; every part is known to fit an int.
	text string
}

// ParseVersion parses "18.16.1", "24.3.1.2672", "v24.3", "15.4 (Debian
// 15.4-1)" or "PostgreSQL 15.4 on x86_64". It reads the first run of
// dot-separated numbers. An empty string gives the zero Version.
func ParseVersion(s string) (Version, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Version{}, nil
	}
	start := strings.IndexAny(s, "0123456789")
	if start < 0 {
		return Version{}, fmt.Errorf("server version %q has no version number (want e.g. 18.16.1)", s)
	}
	i := start
	for {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if _, err := strconv.Atoi(s[i:j]); err != nil {
			return Version{}, fmt.Errorf("server version %q: %w", s, err)
		}
		if j+1 < len(s) && s[j] == '.' && s[j+1] >= '0' && s[j+1] <= '9' {
			i = j + 1
			continue
		}
		return Version{text: s[start:j]}, nil
	}
}

// IsZero reports whether the version is unknown.
func (v Version) IsZero() bool { return v.text == "" }

// part splits the first number off a dotted run: part("18.16.1") is 18 and
// "16.1". An empty run gives 0 and "".
func part(run string) (int, string) {
	head, tail, _ := strings.Cut(run, ".")
	n, _ := strconv.Atoi(head) // ParseVersion checked every part
	return n, tail
}

// AtLeast reports whether v >= the version given as numbers. An unknown
// version is treated as the newest, so AtLeast returns true.
func (v Version) AtLeast(want ...int) bool {
	if v.IsZero() {
		return true
	}
	rest := v.text
	for _, w := range want {
		var have int
		have, rest = part(rest)
		if have != w {
			return have > w
		}
	}
	return true
}

// String returns the version in dotted form ("" when unknown).
func (v Version) String() string {
	var b []byte
	for rest := v.text; rest != ""; {
		var n int
		n, rest = part(rest)
		if len(b) > 0 {
			b = append(b, '.')
		}
		b = strconv.AppendInt(b, int64(n), 10)
	}
	return string(b)
}

// Capability is a server feature the planner may rely on.
type Capability int

// Capabilities. Versions are ClickHouse releases (from its changelog);
// PostgreSQL, BigQuery and DuckDB have all of them that apply.
const (
	// ToStartOfInterval is toStartOfInterval(t, INTERVAL n unit[, tz])
	// (ClickHouse 19.3, PR #4304). 18.x buckets by integer arithmetic.
	ToStartOfInterval Capability = iota
	// DateTime64 is the DateTime64(p) type and toDateTime64 (ClickHouse 20.1).
	DateTime64
	// UnixTimestamp64 is fromUnixTimestamp64Milli / toUnixTimestamp64Milli
	// and friends (ClickHouse 20.5).
	UnixTimestamp64
	// SubSecondIntervals is toStartOfInterval with millisecond units on
	// DateTime64 (ClickHouse 22.x; assumed from 22.6).
	SubSecondIntervals
	// Explain is EXPLAIN SELECT (ClickHouse 20.6).
	Explain
	// ExplainEstimate is EXPLAIN ESTIMATE (ClickHouse 21.9).
	ExplainEstimate
	// HashComments: "# " and "#!" start a line comment (ClickHouse 22.2,
	// PR #34230); older servers answer a syntax error.
	HashComments
)

var capabilityNames = [...]string{"toStartOfInterval", "DateTime64", "fromUnixTimestamp64Milli", "sub-second intervals", "EXPLAIN", "EXPLAIN ESTIMATE", "# comments"}

// String names the capability.
func (c Capability) String() string {
	if int(c) >= 0 && int(c) < len(capabilityNames) {
		return capabilityNames[c]
	}
	return "capability(" + strconv.Itoa(int(c)) + ")"
}

// Has reports whether the dialect's server has the capability.
func (d Dialect) Has(c Capability) bool {
	if d.name != ClickHouse {
		return true
	}
	v := d.version
	switch c {
	case ToStartOfInterval:
		return v.AtLeast(19, 3)
	case DateTime64:
		return v.AtLeast(20, 1)
	case UnixTimestamp64:
		return v.AtLeast(20, 5)
	case SubSecondIntervals:
		return v.AtLeast(22, 6)
	case Explain:
		return v.AtLeast(20, 6)
	case ExplainEstimate:
		return v.AtLeast(21, 9)
	case HashComments:
		return v.AtLeast(22, 2)
	}
	return false
}
