package clickhouse_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/chdbtest"
	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/engine/clickhouse"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/testenv"
)

// blockTypesColumns are a column of every type the block reader decodes
// (on 18.16), with NULLs; blockTypes selects them over 200,000 rows (three
// blocks of 65,536 and a part).
const blockTypesColumns = `number AS k,
  toInt8(number % 256 - 128) AS i8, toInt16(number % 65536 - 32768) AS i16, toInt32(number * 7919 - 1000000) AS i32,
  toInt64(number * 1000003 - 500) AS i64, toUInt8(number % 256) AS u8, toUInt16(number % 65536) AS u16,
  toUInt32(number * 7919) AS u32, toUInt64(number * 4294967311) AS u64, toFloat32(number / 3) AS f32, number / 7 AS f64,
  toString(number) AS s, concat('é', toString(number % 17), '✓') AS s_utf8, toFixedString(toString(number % 1000), 4) AS fs,
  toDate(number % 20000) AS d, toDateTime(number * 3600, 'UTC') AS dt, toDateTime(number * 60, 'Asia/Tokyo') AS dt_tokyo,
  CAST(if(number % 2 = 1, 'a', 'b') AS Enum8('a' = 1, 'b' = 2)) AS e8, CAST(if(number % 3 = 1, 'x', 'y') AS Enum16('x' = 1000, 'y' = 2000)) AS e16,
  toUUID(concat('a0eebc99-9c0b-4ef8-bb6d-', lower(substring(concat(hex(cityHash64(number)), '000000000000'), 1, 12)))) AS uuid,
  toLowCardinality(toString(number % 10)) AS lc,
  if(number % 3 = 0, NULL, toInt32(number)) AS n_i32, if(number % 3 = 1, NULL, number / 5) AS n_f64,
  if(number % 4 = 0, NULL, toString(number)) AS n_s, if(number % 5 = 0, NULL, toFixedString(toString(number % 100), 3)) AS n_fs,
  if(number % 6 = 0, NULL, toDateTime(number, 'UTC')) AS n_dt, if(number % 7 = 0, NULL, toDate(number % 1000)) AS n_d,
  if(number % 8 = 0, NULL, toUInt8(number % 200)) AS n_u8,
  if(number % 9 = 0, NULL, toUUID('00000000-0000-0000-0000-00000000002a')) AS n_uuid,
  toDecimal32(number / 100 - 500, 2) AS dec9, toDecimal64(number / 1000 - 99, 3) AS dec18, CAST(number / 7 AS Decimal(12, 4)) AS dec12,
  toDecimal32(-1.5, 0) AS dec_neg, if(number % 3 = 0, NULL, toDecimal64(number / 10, 1)) AS n_dec18`

func blockTypes(extra string) string {
	return "SELECT " + blockTypesColumns + extra + " FROM system.numbers LIMIT 200000"
}

// blockServer is a ClickHouse server the block reader is checked on, and
// the columns of types only it has.
type blockServer struct {
	name     string
	settings clickhouse.Settings
	extra    string
	chdb     bool
}

// blockServers are the test ClickHouse 18.16 (protocol revision 54412:
// settings as numbers) and ClickHouse 26.7 served by chDB (revision 54429
// negotiated: settings as strings).
func blockServers(t *testing.T) []blockServer {
	info := testenv.ClickHouse(t)
	modern := settings(testenv.ClickHouseInfo{Addr: chdbtest.Server(t), Database: "default", User: "default"})
	return []blockServer{
		{name: "18.16", settings: settings(info)},
		{name: "26.7", settings: modern, chdb: true, extra: `,
  toDateTime64(number / 1000, 3, 'UTC') AS dt64_ms, toDateTime64(number, 9, 'UTC') AS dt64_ns, toDate32(number % 100000 - 30000) AS d32,
  number % 2 = 1 AS b, if(number % 3 = 0, NULL, toDateTime64(number / 7, 6, 'UTC')) AS n_dt64, if(number % 4 = 0, NULL, number % 3 = 1) AS n_b,
  if(number % 5 = 0, NULL, toDate32(number % 1000)) AS n_d32`},
	}
}

func asServerError(err error, se **engine.ServerError) bool { return errors.As(err, se) }

// openWith opens an engine with s, closed when the test ends.
func openWith(t *testing.T, s clickhouse.Settings) *clickhouse.Engine {
	t.Helper()
	e, err := clickhouse.Open(context.Background(), s, clickhouse.Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// TestBlockReaderMatchesRowScan: for every type the block reader decodes,
// its table encodes to the same Arrow bytes as the row scan's (the path of
// clickhouse-go's Scan), at each block boundary, with and without
// compression, and under a row cap that falls inside a block.
func TestBlockReaderMatchesRowScan(t *testing.T) {
	for _, srv := range blockServers(t) {
		for _, compression := range []string{"lz4", "none"} {
			t.Run(srv.name+"/"+compression, func(t *testing.T) {
				s := srv.settings
				s.Compression = compression
				blocks, scan := openWith(t, s), openWith(t, s).WithoutBlocks()
				cases := []struct {
					name   string
					sql    string
					rowCap int64
				}{
					{"every type", blockTypes(srv.extra), 0},
					{"every type, numeric as float", blockTypes(srv.extra), -1},
					{"empty", "SELECT toInt64(number) AS n, toString(number) AS s FROM system.numbers LIMIT 0", 0},
				}
				if !srv.chdb {
					// The row scan ends a capped query with the protocol's
					// cancel and KILL QUERY, and chDB's server aborts when
					// KILL QUERY reaches a query it is cancelling; the block
					// reader's cap on 26.7 is TestBlockReaderCapDrains'.
					cases = append(cases, []struct {
						name   string
						sql    string
						rowCap int64
					}{
						{"cap inside a block", blockTypes(""), 70000},
						{"cap at a block's end", blockTypes(""), 65536},
					}...)
				}
				for _, tc := range cases {
					got := runArrow(t, blocks, tc.sql, tc.rowCap)
					want := runArrow(t, scan, tc.sql, tc.rowCap)
					if f, _ := got.frame.FieldByName("dec9"); tc.rowCap < 0 && (f == nil || f.Type() != data.FieldTypeNullableFloat64 && f.Type() != data.FieldTypeFloat64) {
						t.Errorf("%s: the decimal column is %v", tc.name, f)
					}
					if !bytes.Equal(got.arrow, want.arrow) {
						t.Errorf("%s: the block reader's frame differs from the row scan's: %s", tc.name, firstDifference(got.frame, want.frame))
					}
					if got.truncated != want.truncated {
						t.Errorf("%s: truncated %v, the row scan %v", tc.name, got.truncated, want.truncated)
					}
				}
				if b, r := clickhouse.Reads(blocks); b != int64(len(cases)) || r != 0 {
					t.Errorf("the block reader read %d queries and the row scan %d, want %d and 0", b, r, len(cases))
				}
				if b, _ := clickhouse.Reads(scan); b != 0 {
					t.Errorf("the engine without blocks read %d queries as blocks", b)
				}
			})
		}
	}
}

type arrowResult struct {
	frame     *data.Frame
	arrow     []byte
	truncated bool
}

// runArrow runs sql under rowCap (a negative cap: none, with NUMERIC
// columns as float64) and encodes its table.
func runArrow(t *testing.T, e *clickhouse.Engine, sql string, rowCap int64) arrowResult {
	t.Helper()
	opts := engine.QueryOptions{NumericAsFloat: rowCap < 0}
	tb, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: sql, Statement: "select", RowCap: max(rowCap, 0)}, opts)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := frames.Shape(tb, frames.ShapeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := fs[0].MarshalArrow()
	if err != nil {
		t.Fatal(err)
	}
	return arrowResult{fs[0], b, tb.Truncated()}
}

// firstDifference names the first field and row where two frames differ.
func firstDifference(got, want *data.Frame) string {
	if len(got.Fields) != len(want.Fields) {
		return fmt.Sprintf("%d fields, want %d", len(got.Fields), len(want.Fields))
	}
	for i, f := range got.Fields {
		w := want.Fields[i]
		if f.Name != w.Name || f.Type() != w.Type() || f.Len() != w.Len() {
			return fmt.Sprintf("field %d: %s %s (%d rows), want %s %s (%d rows)", i, f.Name, f.Type(), f.Len(), w.Name, w.Type(), w.Len())
		}
		if fmt.Sprint(f.Labels) != fmt.Sprint(w.Labels) || fmt.Sprint(f.Config) != fmt.Sprint(w.Config) {
			return fmt.Sprintf("field %s: labels/config %v %v, want %v %v", f.Name, f.Labels, f.Config, w.Labels, w.Config)
		}
		for r := range f.Len() {
			g, _ := f.ConcreteAt(r)
			x, _ := w.ConcreteAt(r)
			if fmt.Sprint(g) != fmt.Sprint(x) || f.NilAt(r) != w.NilAt(r) {
				return fmt.Sprintf("field %s row %d: %v, want %v", f.Name, r, g, x)
			}
		}
	}
	return fmt.Sprintf("meta %+v, want %+v", got.Meta, want.Meta)
}

// TestBlockReaderSendsQuerySettings: the block reader's queries run with
// the backstop's settings (readonly=1, max_execution_time) and a lifted
// SETTINGS clause, as the server itself reports them; a statement that
// writes is refused.
func TestBlockReaderSendsQuerySettings(t *testing.T) {
	for _, srv := range blockServers(t) {
		t.Run(srv.name, func(t *testing.T) {
			e := openWith(t, srv.settings)
			tb, _, err := e.Query(context.Background(), &sqlplan.Plan{Statement: "select",
				SQL: "SELECT name, value FROM system.settings WHERE name IN ('readonly', 'max_execution_time', 'max_threads') ORDER BY name SETTINGS max_threads = 3"},
				engine.QueryOptions{Timeout: 20 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			names, values := tb.Column(0).(*frames.Strings), tb.Column(1).(*frames.Strings)
			for i := range tb.Len() {
				got = append(got, names.Value(i)+"="+values.Value(i))
			}
			if want := "max_execution_time=21 max_threads=3 readonly=1"; strings.Join(got, " ") != want {
				t.Fatalf("the query ran with %v, want %s", got, want)
			}
			for _, sql := range []string{
				"CREATE TABLE default.quarry_block_reader_should_not_exist (a UInt8) ENGINE = Memory",
				"INSERT INTO system.numbers SELECT 1",
				"SET readonly = 0",
			} {
				_, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: sql, Statement: "select"}, engine.QueryOptions{})
				var se *engine.ServerError
				if err == nil || !strings.Contains(err.Error(), "readonly") && (!asServerError(err, &se) || se.Code != "164") {
					t.Errorf("%s: want a READONLY refusal, got %v", sql, err)
				}
			}
		})
	}
}

// TestBlockReaderHandsOverUnknownTypes: a result with a column the block
// reader does not decode (arrays, tuples, maps, IP addresses) is read
// by the row scan, whole and once; the cancelled first attempt leaves no
// query running on the server.
func TestBlockReaderHandsOverUnknownTypes(t *testing.T) {
	for _, srv := range blockServers(t) {
		t.Run(srv.name, func(t *testing.T) {
			e := openWith(t, srv.settings)
			marker := fmt.Sprintf("quarry_handover_%d", time.Now().UnixNano())
			sql := "SELECT number, [number, 1] AS arr, toDecimal64(number, 2) AS dec, '" + marker + "' AS marker FROM system.numbers LIMIT 100000"
			tb, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: sql, Statement: "select"}, engine.QueryOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if tb.Len() != 100000 || tb.Truncated() {
				t.Fatalf("rows %d truncated %v", tb.Len(), tb.Truncated())
			}
			if b, r := clickhouse.Reads(e); b != 0 || r != 1 {
				t.Fatalf("the block reader read %d queries and the row scan %d, want 0 and 1", b, r)
			}
			waitGone(t, e, marker)
		})
	}
}

// TestBlockReaderCapDrains: a query cut by the row cap inside a block is
// cancelled with the protocol's cancel and read to the server's end of
// stream (no KILL QUERY), so it no longer runs, the connection is reused,
// and the table holds exactly the cap's rows.
func TestBlockReaderCapDrains(t *testing.T) {
	for _, srv := range blockServers(t) {
		t.Run(srv.name, func(t *testing.T) {
			e := openWith(t, srv.settings)
			for i := range 3 {
				marker := fmt.Sprintf("quarry_drain_%d_%d", time.Now().UnixNano(), i)
				tb := query(t, e, "SELECT number, toString(number) AS s, '"+marker+"' AS marker FROM system.numbers", 70000, engine.QueryOptions{})
				if tb.Len() != 70000 || !tb.Truncated() {
					t.Fatalf("rows %d truncated %v", tb.Len(), tb.Truncated())
				}
				if v := tb.Column(0).(*frames.Builder[uint64]).Values(); v[0] != 0 || v[69999] != 69999 {
					t.Fatalf("rows %d..%d", v[0], v[69999])
				}
				waitGone(t, e, marker)
			}
			if b, r := clickhouse.Reads(e); b < 3 || r != 0 {
				t.Fatalf("the block reader read %d queries and the row scan %d", b, r)
			}
			if n := clickhouse.Dials(e); n != 1 {
				t.Errorf("the block reader dialled %d connections for three capped queries and the lookups, want 1 (drained and reused)", n)
			}
		})
	}
}
