package bigquery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"testing"
	"time"

	bq "cloud.google.com/go/bigquery"
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"
	bqv2 "google.golang.org/api/bigquery/v2"
	"google.golang.org/api/iterator"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
)

// readArrowBefore is readArrow as it was before the pass-through (the IPC
// stream reader copying every batch, then appendArrowPerValue), kept to
// compare in benchmarks.
func (e *Engine) readArrowBefore(ctx context.Context, ai bq.ArrowIterator, caps frames.TableOptions) (*frames.Table, bool, error) {
	schema := toV2Schema(ai.Schema())
	t := frames.NewTable(columnSpecs(e.types(), schema), caps)
	serialized := ai.SerializedArrowSchema()
	var scratch []byte
	for {
		if err := ctx.Err(); err != nil {
			return nil, true, err
		}
		batch, err := ai.Next()
		if errors.Is(err, iterator.Done) {
			return t, true, nil
		}
		if err != nil {
			return nil, true, fmt.Errorf("storage read: %w", err)
		}
		r, err := ipc.NewReader(io.MultiReader(bytes.NewReader(serialized), bytes.NewReader(batch.Data)))
		if err != nil {
			return nil, true, err
		}
		for r.Next() {
			rec := r.Record()
			n := int(rec.NumRows())
			take := min(n, t.Room())
			for c := 0; c < t.NumColumns(); c++ {
				if scratch, err = appendArrowPerValue(t.Column(c), rec.Column(c), take, schema.Fields[c], scratch); err != nil {
					r.Release()
					return nil, true, err
				}
			}
			if err := t.Commit(take); err != nil {
				r.Release()
				return nil, true, err
			}
			if take < n {
				r.Release()
				t.MarkTruncated()
				return t, true, nil
			}
		}
		err = r.Err()
		r.Release()
		if err != nil {
			return nil, true, err
		}
	}
}

// appendArrowPerValue is appendArrow as it was before the bulk appends
// (every value through IsNull and Append).
func appendArrowPerValue(col frames.Column, arr arrow.Array, n int, f *bqv2.TableFieldSchema, scratch []byte) ([]byte, error) {
	mismatch := func() error { return fmt.Errorf("cannot put Arrow %s into %T", arr.DataType(), col) }
	switch b := col.(type) {
	case *frames.Builder[int64]:
		a, ok := arr.(*array.Int64)
		if !ok {
			return scratch, mismatch()
		}
		b.Reserve(n)
		for i := 0; i < n; i++ {
			if a.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(a.Value(i))
			}
		}
	case *frames.Builder[float64]:
		b.Reserve(n)
		for i := 0; i < n; i++ {
			if arr.IsNull(i) {
				b.AppendNull()
				continue
			}
			a, ok := arr.(*array.Float64)
			if !ok {
				return scratch, mismatch()
			}
			b.Append(a.Value(i))
		}
	case *frames.Times:
		b.Reserve(n)
		for i := 0; i < n; i++ {
			if arr.IsNull(i) {
				b.AppendNull()
				continue
			}
			a, ok := arr.(*array.Timestamp)
			if !ok {
				return scratch, mismatch()
			}
			b.AppendNanos(int64(a.Value(i)) * int64(a.DataType().(*arrow.TimestampType).Unit.Multiplier()))
		}
	case *frames.Strings:
		for i := 0; i < n; i++ {
			if arr.IsNull(i) {
				b.AppendNull()
				continue
			}
			a, ok := arr.(*array.String)
			if !ok {
				return scratch, mismatch()
			}
			b.AppendBytes(stringBytes(a.Value(i)))
		}
	default:
		return scratch, mismatch() // not in the benchmark
	}
	return scratch, nil
}

// benchArrow is 1M rows of (id INT64, host STRING, v FLOAT64, ts
// TIMESTAMP), as benchSQL's columns, in batches of 10,000 rows (BigQuery
// sends batches of a few MB).
func benchArrow(rows, batch int) (*arrow.Schema, []arrow.Record) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "host", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "v", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "ts", Type: tsUTC, Nullable: true},
	}, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	var recs []arrow.Record
	const t0 = 1704067200000000 // 2024-01-01 in µs
	for x := 1; x <= rows; x++ {
		rb.Field(0).(*array.Int64Builder).Append(int64(x))
		rb.Field(1).(*array.StringBuilder).Append("host-" + strconv.Itoa(x%24))
		rb.Field(2).(*array.Float64Builder).Append(float64(x) * 1.5)
		rb.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(t0 + int64(x)*1e6))
		if x%batch == 0 || x == rows {
			recs = append(recs, rb.NewRecord())
		}
	}
	return schema, recs
}

// memArrow is an in-memory bq.ArrowIterator over serialized batches, to
// measure readArrow alone (no gRPC).
type memArrow struct {
	schema  bq.Schema
	arrow   []byte
	batches []fbatch
	i       int
}

func (m *memArrow) Next() (*bq.ArrowRecordBatch, error) {
	if m.i == len(m.batches) {
		return nil, iterator.Done
	}
	m.i++
	return &bq.ArrowRecordBatch{Data: m.batches[m.i-1].data, Schema: m.arrow, PartitionID: "mem"}, nil
}
func (m *memArrow) Schema() bq.Schema             { return m.schema }
func (m *memArrow) SerializedArrowSchema() []byte { return m.arrow }

var benchSchema = bq.Schema{
	{Name: "id", Type: bq.IntegerFieldType},
	{Name: "host", Type: bq.StringFieldType},
	{Name: "v", Type: bq.FloatFieldType},
	{Name: "ts", Type: bq.TimestampFieldType},
}

const storageBenchRows = 1_000_000

// readers are the Storage read paths compared: before the pass-through,
// and now.
func readers(e *Engine) []struct {
	name string
	fn   func(context.Context, bq.ArrowIterator, frames.TableOptions) (*frames.Table, bool, error)
} {
	return []struct {
		name string
		fn   func(context.Context, bq.ArrowIterator, frames.TableOptions) (*frames.Table, bool, error)
	}{{"before", e.readArrowBefore}, {"pass-through", e.readArrow}}
}

// BenchmarkStorageReadArrow measures the Arrow-to-table conversion alone
// on 1M rows (batches in memory, columns sized from the row estimate as
// readStorage sizes them): before the pass-through against now.
func BenchmarkStorageReadArrow(b *testing.B) {
	schema, recs := benchArrow(storageBenchRows, 10000)
	s, batches := serializeArrow(b, schema, recs)
	e := &Engine{typeMap: newTypeMap()}
	for _, bc := range readers(e) {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				t, _, err := bc.fn(context.Background(), &memArrow{schema: benchSchema, arrow: s, batches: batches}, frames.TableOptions{SizeHint: storageBenchRows})
				if err != nil {
					b.Fatal(err)
				}
				if t.Len() != storageBenchRows {
					b.Fatalf("rows %d", t.Len())
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/storageBenchRows, "ns/row")
		})
	}
}

// BenchmarkStorageQuery measures Query over the Storage Read API on 1M
// rows served by the in-process gRPC server (the job and its schema come
// from the emulator: a one-row query of the same columns), before the
// pass-through against now; read-ms is the time from the first ReadRows
// to the finished table.
func BenchmarkStorageQuery(b *testing.B) {
	schema, recs := benchArrow(storageBenchRows, 10000)
	fake := newStorageFake(b, schema, recs, 1)
	const sql = `SELECT 1 AS id, 'host-1' AS host, 1.5 AS v, TIMESTAMP '2024-01-01 00:00:01+00' AS ts`
	for i, bc := range readers(&Engine{}) {
		b.Run(bc.name, func(b *testing.B) {
			e, _ := storageEngines(b, fake, Settings{})
			read := readers(e)[i].fn
			var reading time.Duration
			e.arrowRead = func(ctx context.Context, ai bq.ArrowIterator, caps frames.TableOptions) (*frames.Table, bool, error) {
				start := time.Now()
				defer func() { reading += time.Since(start) }()
				return read(ctx, ai, caps)
			}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				t, _ := run(b, e, sql, 0, engine.QueryOptions{})
				if t.Len() != storageBenchRows {
					b.Fatalf("rows %d", t.Len())
				}
			}
			// The emulator's job calls take most of a query's time here;
			// read-ms is the Storage read itself (gRPC, decode, columns).
			b.ReportMetric(float64(reading.Milliseconds())/float64(b.N), "read-ms")
		})
	}
}
