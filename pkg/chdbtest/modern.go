package chdbtest

import (
	"context"
	"strings"

	"github.com/bigtent/quarry/pkg/catalog"
)

// Modern is the database of the modern-type fixtures (see ModernDDL).
const Modern = "quarry_modern"

// ModernDDL returns the statements that build the modern-type fixtures
// from the sample rows (LoadSample first), in database Modern:
//
//   - requests: sample.http_requests with ts as DateTime64(3, 'UTC') moved
//     by a sub-second offset (a deterministic function of the row), the
//     same instant as DateTime64(6, 'Europe/Berlin') (ts_us), the whole
//     second as DateTime (ts_s), the day as Date32, host and service as
//     LowCardinality(String), and status and latency_ms as Nullable (NULL on
//     a deterministic tenth of the rows);
//   - events: sample.events with event_date as Date32, event_time as
//     DateTime64(6, 'Europe/Berlin') (sample.events.event_ms plus a
//     microsecond part), name as LowCardinality(String) and country as
//     Nullable(String) (NULL where the sample has 'ZZ' or on a tenth of
//     the rows).
//
// Both are MergeTree tables partitioned by day, so EXPLAIN ESTIMATE prunes.
func ModernDDL() []string {
	return []string{
		"CREATE DATABASE IF NOT EXISTS " + Modern,
		"DROP TABLE IF EXISTS " + Modern + ".requests",
		`CREATE TABLE ` + Modern + `.requests (
  ts DateTime64(3, 'UTC'),
  ts_us DateTime64(6, 'Europe/Berlin'),
  ts_s DateTime,
  day Date32,
  host LowCardinality(String),
  service LowCardinality(String),
  status Nullable(Int32),
  requests Int64,
  errors Int64,
  latency_ms Nullable(Float64)
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (service, host, ts)`,
		`INSERT INTO ` + Modern + `.requests
SELECT
  toDateTime64(ts, 3, 'UTC') + toIntervalMillisecond(cityHash64(host, service, ts) % 1000) AS t3,
  toDateTime64(t3, 6, 'Europe/Berlin') + toIntervalMicrosecond(cityHash64(ts, host) % 1000),
  toDateTime(ts, 'UTC'),
  toDate32(ts),
  host, service,
  if(cityHash64(ts, service) % 10 = 0, NULL, status),
  requests, errors,
  if(cityHash64(host, ts) % 10 = 3, NULL, latency_ms)
FROM sample.http_requests`,
		"DROP TABLE IF EXISTS " + Modern + ".events",
		`CREATE TABLE ` + Modern + `.events (
  event_date Date32,
  event_time DateTime64(6, 'Europe/Berlin'),
  event_ms DateTime64(3),
  user_id Int64,
  name LowCardinality(String),
  country Nullable(String),
  amount Decimal(12, 2)
) ENGINE = MergeTree
PARTITION BY toYYYYMM(event_date)
ORDER BY (event_date, name, user_id)`,
		`INSERT INTO ` + Modern + `.events
SELECT
  toDate32(event_date),
  toDateTime64(fromUnixTimestamp64Milli(event_ms, 'UTC'), 6, 'Europe/Berlin') + toIntervalMicrosecond(user_id % 1000),
  fromUnixTimestamp64Milli(event_ms, 'UTC'),
  user_id, name,
  if(country = 'ZZ' OR user_id % 10 = 0, NULL, country),
  amount
FROM sample.events`,
	}
}

// Catalog reads the column types of every table of the given databases
// from system.columns, as the ClickHouse engine reports them to the
// planner.
func (s *Session) Catalog(ctx context.Context, databases ...string) (*catalog.Catalog, error) {
	quoted := make([]string, len(databases))
	for i, d := range databases {
		quoted[i] = quote(d)
	}
	res, err := s.Query(ctx, "SELECT database, table, name, type FROM system.columns WHERE database IN ("+
		strings.Join(quoted, ", ")+") ORDER BY database, table, position")
	if err != nil {
		return nil, err
	}
	c := &catalog.Catalog{}
	for _, r := range res.Rows {
		name := r[0].(string) + "." + r[1].(string)
		if n := len(c.Tables); n == 0 || c.Tables[n-1].Name != name {
			c.Tables = append(c.Tables, catalog.Table{Name: name})
		}
		tb := &c.Tables[len(c.Tables)-1]
		tb.Columns = append(tb.Columns, catalog.Column{Name: r[2].(string), Type: r[3].(string)})
	}
	return c, nil
}
