package bigquery

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bq "cloud.google.com/go/bigquery"
	array18 "github.com/apache/arrow-go/v18/arrow/array"
	memory18 "github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/decimal256"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"go.uber.org/goleak"
	bqv2 "google.golang.org/api/bigquery/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/frames/framestest"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/testenv"
)

// arrowType is one BigQuery type as the Storage Read API sends it in Arrow
// (https://cloud.google.com/bigquery/docs/reference/storage#arrow_schema_details)
// and the same value as a BigQuery literal for the emulator's REST path.
type arrowType struct {
	name string // column name
	sql  string // the value as a literal
	typ  arrow.DataType
	md   arrow.Metadata
	put  func(b array.Builder) // appends the value
}

var (
	tsUTC    = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	tsCivil  = &arrow.TimestampType{Unit: arrow.Microsecond}
	sqlJSON  = arrow.NewMetadata([]string{"ARROW:extension:name"}, []string{"google:sqlType:json"})
	sqlGeo   = arrow.NewMetadata([]string{"ARROW:extension:name"}, []string{"google:sqlType:geography"})
	recType  = arrow.StructOf(arrow.Field{Name: "a", Type: arrow.BinaryTypes.String, Nullable: true}, arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true}, arrow.Field{Name: "happened", Type: tsUTC, Nullable: true}, arrow.Field{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: false})
	microsOf = func(s string) int64 {
		t, err := time.Parse("2006-01-02 15:04:05.999999", s)
		if err != nil {
			panic(err)
		}
		return t.UnixMicro()
	}
)

// arrowTypes are the types Quarry maps (GEOGRAPHY: see
// TestStorageGeography; the emulator has no geography functions).
var arrowTypes = []arrowType{
	{"i", "9007199254740993", arrow.PrimitiveTypes.Int64, arrow.Metadata{}, func(b array.Builder) { b.(*array.Int64Builder).Append(9007199254740993) }},
	{"f", "1.5", arrow.PrimitiveTypes.Float64, arrow.Metadata{}, func(b array.Builder) { b.(*array.Float64Builder).Append(1.5) }},
	{"n", "NUMERIC '12345678901234567890.123456789'", &arrow.Decimal128Type{Precision: 38, Scale: 9}, arrow.Metadata{}, func(b array.Builder) {
		v, err := decimal128.FromString("12345678901234567890.123456789", 38, 9)
		if err != nil {
			panic(err)
		}
		b.(*array.Decimal128Builder).Append(v)
	}},
	{"n2", "NUMERIC '2.5'", &arrow.Decimal128Type{Precision: 38, Scale: 9}, arrow.Metadata{}, func(b array.Builder) {
		b.(*array.Decimal128Builder).Append(decimal128.FromI64(2500000000))
	}},
	{"bn", "BIGNUMERIC '1.00000000000000000000000000000000000001'", &arrow.Decimal256Type{Precision: 76, Scale: 38}, arrow.Metadata{}, func(b array.Builder) {
		v, err := decimal256.FromString("1.00000000000000000000000000000000000001", 76, 38)
		if err != nil {
			panic(err)
		}
		b.(*array.Decimal256Builder).Append(v)
	}},
	{"b", "true", arrow.FixedWidthTypes.Boolean, arrow.Metadata{}, func(b array.Builder) { b.(*array.BooleanBuilder).Append(true) }},
	{"s", `'héllo "q"'`, arrow.BinaryTypes.String, arrow.Metadata{}, func(b array.Builder) { b.(*array.StringBuilder).Append(`héllo "q"`) }},
	{"bin", `b'\x00\x01\xff'`, arrow.BinaryTypes.Binary, arrow.Metadata{}, func(b array.Builder) { b.(*array.BinaryBuilder).Append([]byte{0, 1, 0xff}) }},
	{"d", "DATE '2024-01-31'", arrow.FixedWidthTypes.Date32, arrow.Metadata{}, func(b array.Builder) {
		b.(*array.Date32Builder).Append(arrow.Date32FromTime(time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)))
	}},
	{"dt", "DATETIME '2024-01-02 03:04:05.123456'", tsCivil, arrow.Metadata{}, func(b array.Builder) {
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(microsOf("2024-01-02 03:04:05.123456")))
	}},
	{"ts", "TIMESTAMP '2024-01-01 00:00:00.123456+00'", tsUTC, arrow.Metadata{}, func(b array.Builder) {
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(microsOf("2024-01-01 00:00:00.123456")))
	}},
	{"t", "TIME '12:34:56.5'", arrow.FixedWidthTypes.Time64us, arrow.Metadata{}, func(b array.Builder) {
		b.(*array.Time64Builder).Append(arrow.Time64((12*3600+34*60+56)*1e6 + 500000))
	}},
	{"j", `JSON '{"k":[1,2]}'`, arrow.BinaryTypes.String, sqlJSON, func(b array.Builder) { b.(*array.StringBuilder).Append(`{"k":[1,2]}`) }},
	{"arr", "[1, 2, 3]", arrow.ListOf(arrow.PrimitiveTypes.Int64), arrow.Metadata{}, func(b array.Builder) {
		lb := b.(*array.ListBuilder)
		lb.Append(true)
		lb.ValueBuilder().(*array.Int64Builder).AppendValues([]int64{1, 2, 3}, nil)
	}},
	{"rec", "STRUCT('x' AS a, 2.5 AS x, TIMESTAMP '2024-01-01 00:00:00+00' AS happened, ['p', 'q'] AS tags)", recType, arrow.Metadata{}, func(b array.Builder) {
		sb := b.(*array.StructBuilder)
		sb.Append(true)
		sb.FieldBuilder(0).(*array.StringBuilder).Append("x")
		sb.FieldBuilder(1).(*array.Float64Builder).Append(2.5)
		sb.FieldBuilder(2).(*array.TimestampBuilder).Append(arrow.Timestamp(microsOf("2024-01-01 00:00:00")))
		lb := sb.FieldBuilder(3).(*array.ListBuilder)
		lb.Append(true)
		lb.ValueBuilder().(*array.StringBuilder).AppendValues([]string{"p", "q"}, nil)
	}},
	// INTERVAL: sent as its canonical text (an assumption: the emulator
	// cannot show what BigQuery's Storage API sends for it).
	{"iv", "INTERVAL 3 DAY", arrow.BinaryTypes.String, arrow.Metadata{}, func(b array.Builder) { b.(*array.StringBuilder).Append("0-0 3 0:0:0") }},
	// Or as Arrow's month-day-nano interval: rendered as REST's text.
	{"iv2", "INTERVAL '1-2 3 4:5:6.5' YEAR TO SECOND", arrow.FixedWidthTypes.MonthDayNanoInterval, arrow.Metadata{}, func(b array.Builder) {
		b.(*array.MonthDayNanoIntervalBuilder).Append(arrow.MonthDayNanoInterval{Months: 14, Days: 3, Nanoseconds: (4*3600+5*60+6)*1e9 + 5e8})
	}},
	// Negative parts (the emulator drops a negative time part's fraction:
	// "-4:5:6.25" comes back "-4:5:6"; appendInterval's fractions are
	// covered by iv2 and TestAppendInterval).
	{"iv3", "INTERVAL '-1-2 -3 -4:5:6' YEAR TO SECOND", arrow.FixedWidthTypes.MonthDayNanoInterval, arrow.Metadata{}, func(b array.Builder) {
		b.(*array.MonthDayNanoIntervalBuilder).Append(arrow.MonthDayNanoInterval{Months: -14, Days: -3, Nanoseconds: -(4*3600 + 5*60 + 6) * 1e9})
	}},
}

// nullRow reports whether the nullable columns hold NULL in row k (1-based).
func nullRow(k int) bool { return k%3 == 0 }

// allTypesStorageSQL selects rows 1..n: k, then per type a column that is
// never NULL and one (<name>_n) that is NULL every third row.
func allTypesStorageSQL(types []arrowType, n int, order bool) string {
	var b strings.Builder
	b.WriteString("SELECT k")
	for _, ty := range types {
		fmt.Fprintf(&b, ", %s AS %s, IF(MOD(k, 3) = 0, NULL, %s) AS %s_n", ty.sql, ty.name, ty.sql, ty.name)
	}
	fmt.Fprintf(&b, " FROM UNNEST(GENERATE_ARRAY(1, %d)) AS k", n)
	if order {
		b.WriteString(" ORDER BY k")
	}
	return b.String()
}

// allTypesSchema is the Arrow schema of allTypesStorageSQL.
func allTypesSchema(types []arrowType) *arrow.Schema {
	fields := []arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}
	for _, ty := range types {
		fields = append(fields,
			arrow.Field{Name: ty.name, Type: ty.typ, Nullable: true, Metadata: ty.md},
			arrow.Field{Name: ty.name + "_n", Type: ty.typ, Nullable: true, Metadata: ty.md})
	}
	return arrow.NewSchema(fields, nil)
}

// allTypesBatches writes rows 1..n of allTypesStorageSQL with the Arrow
// library's builders, in record batches of batch rows.
func allTypesBatches(types []arrowType, n, batch int) (*arrow.Schema, []arrow.Record) {
	schema := allTypesSchema(types)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	var recs []arrow.Record
	for k := 1; k <= n; k++ {
		rb.Field(0).(*array.Int64Builder).Append(int64(k))
		for i, ty := range types {
			ty.put(rb.Field(1 + 2*i))
			if nullRow(k) {
				rb.Field(2 + 2*i).AppendNull()
			} else {
				ty.put(rb.Field(2 + 2*i))
			}
		}
		if k%batch == 0 || k == n {
			recs = append(recs, rb.NewRecord())
		}
	}
	return schema, recs
}

// storageEngines returns an engine reading through the Storage Read API
// served by fake (the job side by the emulator, through destProxy), and
// one reading REST pages from the emulator.
func storageEngines(t testing.TB, fake *storageFake, s Settings) (storage, rest *Engine) {
	t.Helper()
	info := testenv.BigQuery(t)
	st := s
	st.Endpoint = newDestProxy(t, info.Endpoint)
	st.StorageReadAPI, st.StorageEndpoint = true, fake.addr
	return emulatorEngine(t, st), emulatorEngine(t, s)
}

// noLeaks fails the test when a goroutine started during it is still
// running after its cleanups (the engines closed, the servers stopped):
// registered first, it runs last.
func noLeaks(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

func queryStorage(e *Engine, sql string, rowCap int64, opts engine.QueryOptions) (*frames.Table, error) {
	t, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: sql, Statement: "select", RowCap: rowCap}, opts)
	return t, err
}

// TestStorageReadMatchesREST: every mapped type, with and without NULLs,
// read through the Storage Read API (several Arrow batches over several
// streams, or one stream for an ordered query) gives the table the REST
// path gives for the same values on the emulator.
func TestStorageReadMatchesREST(t *testing.T) {
	const rows = 50
	for _, tc := range []struct {
		name           string
		batch, streams int
		order          bool
		numericAsFloat bool
	}{
		{name: "3 streams of 7-row batches", batch: 7, streams: 3},
		{name: "ordered: one stream", batch: 7, streams: 3, order: true},
		{name: "one batch", batch: rows, streams: 1, order: true},
		{name: "numericAsFloat", batch: 11, streams: 2, numericAsFloat: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			schema, recs := allTypesBatches(arrowTypes, rows, tc.batch)
			fake := newStorageFake(t, schema, recs, tc.streams)
			st, rest := storageEngines(t, fake, Settings{})
			sql := allTypesStorageSQL(arrowTypes, rows, tc.order)
			opts := engine.QueryOptions{NumericAsFloat: tc.numericAsFloat}
			want, _ := run(t, rest, sql, 0, opts)
			got, _ := run(t, st, sql, 0, opts)
			if fake.sent.Load() != int64(len(recs)) || len(fake.readTables()) != 1 {
				t.Fatalf("the fake sent %d of %d batches to %v: the Storage path was not used", fake.sent.Load(), len(recs), fake.readTables())
			}
			if tbl := fake.readTables()[0]; !strings.Contains(tbl, "/datasets/quarry_") || !strings.Contains(tbl, "/tables/quarry_") {
				t.Errorf("read session table %s is not the job's destination table", tbl)
			}
			if tc.order {
				if g, w := dumpTable(got), dumpTable(want); g != w {
					t.Fatalf("Storage table differs from REST:\n--- storage\n%s\n--- rest\n%s", g, w)
				}
			} else {
				if g, w := strings.Join(rowsOf(got), "\n"), strings.Join(rowsOf(want), "\n"); g != w {
					t.Fatalf("Storage rows differ from REST:\n--- storage\n%s\n--- rest\n%s", g, w)
				}
				if fmt.Sprint(got.Specs()) != fmt.Sprint(want.Specs()) {
					t.Fatalf("specs differ:\n%v\n%v", got.Specs(), want.Specs())
				}
			}
			if got.Len() != rows || got.Truncated() {
				t.Errorf("rows %d truncated %v", got.Len(), got.Truncated())
			}
		})
	}
}

// TestStorageReadGolden: the two rows of emulator_alltypes.golden (every
// type, then NULLs) read through the Storage path give that golden file.
func TestStorageReadGolden(t *testing.T) {
	schema := arrow.NewSchema(nil, nil)
	var fields []arrow.Field
	for _, ty := range arrowTypes {
		if ty.name == "n2" || ty.name == "iv2" || ty.name == "iv3" {
			continue
		}
		fields = append(fields, arrow.Field{Name: ty.name, Type: ty.typ, Nullable: true, Metadata: ty.md})
	}
	schema = arrow.NewSchema(fields, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	j := 0
	for _, ty := range arrowTypes {
		if ty.name == "n2" || ty.name == "iv2" || ty.name == "iv3" {
			continue
		}
		ty.put(rb.Field(j))
		if ty.name == "arr" {
			rb.Field(j).(*array.ListBuilder).Append(true) // []
		} else {
			rb.Field(j).AppendNull()
		}
		j++
	}
	rec := rb.NewRecord()
	fake := newStorageFake(t, schema, []arrow.Record{rec}, 1)
	st, _ := storageEngines(t, fake, Settings{})
	tbl, _ := run(t, st, allTypesBQ, 0, engine.QueryOptions{})
	if fake.sent.Load() != 1 {
		t.Fatalf("the fake sent %d batches", fake.sent.Load())
	}
	golden(t, "emulator_alltypes.golden", dumpTable(tbl))
}

// rowsBatches writes rows 1..n of (x INT64, s STRING, ts TIMESTAMP) in
// batches of batch rows; s is wide when wide is set.
func rowsBatches(n, batch int, wide bool) (*arrow.Schema, []arrow.Record) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ts", Type: tsUTC, Nullable: true},
	}, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	var recs []arrow.Record
	for k := 1; k <= n; k++ {
		rb.Field(0).(*array.Int64Builder).Append(int64(k))
		s := fmt.Sprint(k)
		if wide {
			s = framestest.Wide + s
		}
		rb.Field(1).(*array.StringBuilder).Append(s)
		rb.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(int64(k) * 1e6))
		if k%batch == 0 || k == n {
			recs = append(recs, rb.NewRecord())
		}
	}
	return schema, recs
}

const rowsSQL = "SELECT x, CAST(x AS STRING) AS s, TIMESTAMP_SECONDS(x) AS ts FROM UNNEST(GENERATE_ARRAY(1, %d)) AS x ORDER BY x"

// TestStorageRowCap: the row cap cuts inside a batch and marks the table
// truncated with the notice, as on REST pages, and the read stops without
// leaving the client's stream goroutines behind; a cap equal to the row
// count does not truncate.
func TestStorageRowCap(t *testing.T) {
	schema, recs := rowsBatches(5000, 700, false)
	for _, tc := range []struct {
		name      string
		rowCap    int64
		rows      int
		truncated bool
	}{
		{"mid-batch", 1500, 1500, true},
		{"on a batch boundary with more batches", 1400, 1400, true},
		{"exactly all rows", 5000, 5000, false},
		{"above all rows", 6000, 5000, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noLeaks(t)
			fake := newStorageFake(t, schema, recs, 1)
			st, rest := storageEngines(t, fake, Settings{PageSize: 700})
			sql := fmt.Sprintf(rowsSQL, 5000)
			got, _ := run(t, st, sql, tc.rowCap, engine.QueryOptions{})
			want, _ := run(t, rest, sql, tc.rowCap, engine.QueryOptions{})
			if got.Len() != tc.rows || got.Truncated() != tc.truncated {
				t.Fatalf("rows %d truncated %v, want %d %v", got.Len(), got.Truncated(), tc.rows, tc.truncated)
			}
			if g, w := dumpTable(got), dumpTable(want); g != w {
				t.Fatalf("capped Storage table differs from REST (%d vs %d rows)", got.Len(), want.Len())
			}
			if fmt.Sprint(got.Notices()) != fmt.Sprint(want.Notices()) {
				t.Errorf("notices %v, REST %v", got.Notices(), want.Notices())
			}
			// The client library reads ahead (a batch channel, gRPC's
			// window), so the server may have sent every batch; what
			// counts is that the stream goroutines are gone (noLeaks).
			t.Logf("the server sent %d of %d batches", fake.sent.Load(), len(recs))
		})
	}
}

// TestStorageByteCap: the byte cap cuts the Storage read as it cuts REST
// pages (bytecap_test.go).
func TestStorageByteCap(t *testing.T) {
	schema, recs := rowsBatches(5000, 700, true)
	fake := newStorageFake(t, schema, recs, 1)
	st, _ := storageEngines(t, fake, Settings{})
	tb, _ := run(t, st, "SELECT x, CONCAT('"+framestest.Wide+"', CAST(x AS STRING)) AS s, TIMESTAMP_SECONDS(x) AS ts FROM UNNEST(GENERATE_ARRAY(1, 5000)) AS x ORDER BY x", 0, engine.QueryOptions{MaxBytes: 100 << 10})
	framestest.CheckByteCap(t, tb, 100<<10, 700)
	xs := tb.Column(0).(*frames.Builder[int64]).Values()
	for i, x := range xs {
		if x != int64(i+1) {
			t.Fatalf("row %d: x = %d, want the first rows in order", i, x)
		}
	}
}

// TestStorageCancel: cancelling the query while a stream is open ends it
// with the cancellation error naming the job; no goroutine is left (the
// package's TestMain checks with goleak) and the fake's streams end.
func TestStorageCancel(t *testing.T) {
	noLeaks(t)
	schema, recs := rowsBatches(5000, 500, false)
	fake := newStorageFake(t, schema, recs, 2)
	fake.hold = true
	st, _ := storageEngines(t, fake, Settings{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := st.Query(ctx, &sqlplan.Plan{SQL: fmt.Sprintf(strings.TrimSuffix(rowsSQL, " ORDER BY x"), 5000), Statement: "select"}, engine.QueryOptions{})
		done <- err
	}()
	select {
	case <-fake.held:
	case err := <-done:
		t.Fatalf("query ended before the stream was held: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("no stream opened")
	}
	cancel()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Query did not return within 10 s of cancellation")
	}
	var ce *engine.CanceledError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "cancelled on the server") {
		t.Fatalf("err = %v, want a CanceledError naming the job", err)
	}
	for i := 0; fake.active.Load() > 0; i++ {
		if i > 500 {
			t.Fatalf("%d ReadRows calls still open after the query returned", fake.active.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestStorageServerError: a stream failing with a permanent error ends the
// query with an error naming the stream and the server's message; a
// transient one (Unavailable) is retried by the client from the row offset
// it reached, and the result is complete.
func TestStorageServerError(t *testing.T) {
	noLeaks(t)
	schema, recs := rowsBatches(3000, 500, false)
	sql := fmt.Sprintf(rowsSQL, 3000)

	fake := newStorageFake(t, schema, recs, 1)
	fake.failAt, fake.failErr = 3, status.Error(codes.PermissionDenied, "fake: read access to the table was revoked")
	st, _ := storageEngines(t, fake, Settings{})
	_, err := queryStorage(st, sql, 0, engine.QueryOptions{})
	if err == nil || !strings.Contains(err.Error(), "storage read") || !strings.Contains(err.Error(), "read access to the table was revoked") ||
		!strings.Contains(err.Error(), "streams/0") {
		t.Fatalf("err = %v, want the stream's error", err)
	}
	t.Logf("permanent: %v", err)

	flaky := newStorageFake(t, schema, recs, 1)
	flaky.failAt, flaky.failErr, flaky.failTimes = 3, status.Error(codes.Unavailable, "fake: connection reset"), 1
	st, rest := storageEngines(t, flaky, Settings{})
	got, err := queryStorage(st, sql, 0, engine.QueryOptions{})
	if err != nil {
		t.Fatalf("transient error not retried: %v", err)
	}
	want, _ := run(t, rest, sql, 0, engine.QueryOptions{})
	if dumpTable(got) != dumpTable(want) {
		t.Fatalf("retried read differs from REST: %d vs %d rows", got.Len(), want.Len())
	}
	if o := flaky.readOffsets(); o != "0 1000" {
		t.Errorf("ReadRows offsets %s, want 0 then 1000 (the retry resumes after the 2 batches read)", o)
	}
}

// corruptions damage a serialized record batch.
var corruptions = []struct {
	name    string
	corrupt func([]byte) []byte
}{
	{"not Arrow", func([]byte) []byte { return []byte("this is not an Arrow record batch, but it is long enough") }},
	{"truncated", func(b []byte) []byte { return b[:len(b)/2] }},
	{"scrambled metadata", func(b []byte) []byte {
		for i := 8; i < 200 && i < len(b); i++ {
			b[i] ^= 0x5a
		}
		return b
	}},
	{"body length past the end", func(b []byte) []byte {
		// The metadata's bodyLength (an aligned int64 equal to it) grows.
		metaLen := int(binary.LittleEndian.Uint32(b[4:]))
		for i := 8; i+8 <= 8+metaLen; i += 8 {
			if binary.LittleEndian.Uint64(b[i:]) == uint64(len(b)-8-metaLen) {
				binary.LittleEndian.PutUint64(b[i:], 1<<40)
			}
		}
		return b
	}},
}

// TestReadArrowMalformed: readArrow turns every corruption of a batch into
// an error naming the stream, never a panic (no server: batches in memory).
func TestReadArrowMalformed(t *testing.T) {
	schema, recs := rowsBatches(2000, 500, false)
	s, batches := serializeArrow(t, schema, recs)
	bs := bq.Schema{{Name: "x", Type: bq.IntegerFieldType}, {Name: "s", Type: bq.StringFieldType}, {Name: "ts", Type: bq.TimestampFieldType}}
	e := &Engine{typeMap: newTypeMap()}
	for _, tc := range corruptions {
		bad := slices.Clone(batches)
		bad[1].data = tc.corrupt(bytes.Clone(bad[1].data))
		_, _, err := e.readArrow(context.Background(), &memArrow{schema: bs, arrow: s, batches: bad}, frames.TableOptions{})
		if err == nil || !strings.Contains(err.Error(), "storage read: read stream mem: malformed Arrow record batch") {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
}

// TestStorageMalformedBatch: the same corruptions sent by the server end
// the query with an error naming the read stream.
func TestStorageMalformedBatch(t *testing.T) {
	schema, recs := rowsBatches(2000, 500, false)
	for _, tc := range corruptions {
		t.Run(tc.name, func(t *testing.T) {
			noLeaks(t)
			fake := newStorageFake(t, schema, recs, 1)
			fake.corruptAt, fake.corrupt = 2, tc.corrupt
			st, _ := storageEngines(t, fake, Settings{})
			_, err := queryStorage(st, fmt.Sprintf(rowsSQL, 2000), 0, engine.QueryOptions{})
			if err == nil || !strings.Contains(err.Error(), "storage read: read stream 0/of/1: malformed Arrow record batch") {
				t.Fatalf("err = %v, want an error naming the read stream", err)
			}
			t.Logf("%v", err)
		})
	}
}

// TestStorageWrongArrowType: a batch whose column does not have the type
// the table's schema announces is refused with the column's name.
func TestStorageWrongArrowType(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	rb.Field(0).(*array.StringBuilder).Append("1")
	fake := newStorageFake(t, schema, []arrow.Record{rb.NewRecord()}, 1)
	st, _ := storageEngines(t, fake, Settings{})
	_, err := queryStorage(st, "SELECT 1 AS x", 0, engine.QueryOptions{})
	if err == nil || !strings.Contains(err.Error(), `column "x"`) || !strings.Contains(err.Error(), "cannot put Arrow utf8") {
		t.Fatalf("err = %v", err)
	}
}

// TestStorageGeography: GEOGRAPHY (WKT text in Arrow, a JSON string in
// REST) gives the same column through both conversions. The emulator has
// no geography functions, so this compares appendArrow with the REST cell
// writer of convert.go directly.
func TestStorageGeography(t *testing.T) {
	f := &bqv2.TableFieldSchema{Name: "g", Type: "GEOGRAPHY", Mode: "NULLABLE"}
	schema := &bqv2.TableSchema{Fields: []*bqv2.TableFieldSchema{f}}
	wkt := []string{"POINT(1 2)", "", "LINESTRING(0 0, 1 1)", "POLYGON((0 0, 1 0, 1 1, 0 0))"}
	valid := []bool{true, false, true, true}

	rest := frames.NewTable(columnSpecs(newTypeMap(), schema), frames.TableOptions{})
	ws, err := newWriters(rest, schema)
	if err != nil {
		t.Fatal(err)
	}
	sb := array18.NewStringBuilder(memory18.DefaultAllocator)
	defer sb.Release()
	for i, v := range wkt {
		raw := "null"
		if valid[i] {
			raw = strconv.Quote(v)
			sb.Append(v)
		} else {
			sb.AppendNull()
		}
		if err := ws[0]([]byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	if err := rest.Commit(len(wkt)); err != nil {
		t.Fatal(err)
	}
	arr := sb.NewArray()
	defer arr.Release()
	for _, sliced := range []bool{false, true} {
		a, n := arr, len(wkt)
		if sliced { // a batch whose array starts at an offset
			a, n = array18.NewSlice(arr, 1, int64(len(wkt))), len(wkt)-1
			defer a.Release()
		}
		st := frames.NewTable(columnSpecs(newTypeMap(), schema), frames.TableOptions{})
		if _, err := appendArrow(st.Column(0), a, n, f, nil); err != nil {
			t.Fatal(err)
		}
		if err := st.Commit(n); err != nil {
			t.Fatal(err)
		}
		want := rowsOf(rest)
		if sliced {
			want = rowsOf(sliceTable(t, rest, 1))
		}
		if got := rowsOf(st); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("sliced=%v: Storage %q, REST %q", sliced, got, want)
		}
	}
}

// sliceTable copies rows [from:] of a one-text-column table.
func sliceTable(t *testing.T, tb *frames.Table, from int) *frames.Table {
	t.Helper()
	out := frames.NewTable(tb.Specs(), frames.TableOptions{})
	src, dst := tb.Column(0).(*frames.Strings), out.Column(0).(*frames.Strings)
	for i := from; i < tb.Len(); i++ {
		if src.IsNull(i) {
			dst.AppendNull()
		} else {
			dst.Append(src.Value(i))
		}
	}
	if err := out.Commit(tb.Len() - from); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAppendInterval(t *testing.T) {
	for _, tc := range []struct {
		months, days int32
		nanos        int64
		want         string
	}{
		{0, 3, 0, "0-0 3 0:0:0"},
		{14, 3, (4*3600+5*60+6)*1e9 + 5e8, "1-2 3 4:5:6.5"},
		{-14, -3, -((4*3600+5*60+6)*1e9 + 25e7), "-1-2 -3 -4:5:6.25"},
		{0, 0, 1000, "0-0 0 0:0:0.000001"},
		{0, 0, 100 * 3600 * 1e9, "0-0 0 100:0:0"},
	} {
		if got := string(appendInterval(nil, tc.months, tc.days, tc.nanos)); got != tc.want {
			t.Errorf("appendInterval(%d, %d, %d) = %q, want %q", tc.months, tc.days, tc.nanos, got, tc.want)
		}
	}
}
