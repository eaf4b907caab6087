// Package frames turns streamed query results into Grafana data frames.
//
// An engine streams rows into a [Table] of typed, nullable column builders;
// no row is ever held as []any and no value is boxed:
//
//  1. Describe the result columns: map each engine type name to a
//     [ColumnSpec] with a [TypeMap] (a declarative table of [TypeRule]s).
//  2. t := NewTable(specs, TableOptions{MaxRows: plan.RowCap, ...}).
//  3. Once, before the first row, take each column's typed builder by type
//     assertion on t.Column(i): *Builder[int64], *Times, *Strings,
//     *JSONs, ... ([Storage] says which builder a kind uses).
//  4. For each row (or block of rows) while t.Room() > 0: append exactly one
//     value (Append / AppendBytes) or AppendNull to every column, then
//     t.Commit(n) with the number of rows appended. When the source has more
//     rows but Room() is 0, call t.MarkTruncated() and stop reading: memory is
//     bounded by the row cap.
//  5. Shape(t, ShapeOptions{...}) builds the frames for the requested format
//     (table, time series wide/long/multi, logs, annotations); SetMeta adds
//     the executed SQL, statistics and plan steps.
//
// Columns hold their values in Arrow's layout: fixed-width values in one
// array, time as int64 Unix nanoseconds (Grafana's unit), text as int32
// offsets into one byte buffer, NULLs in a bitmap allocated at the first
// NULL. A million short strings cost a handful of allocations and nothing
// the GC scans. Builders grow by doubling (never past the row cap).
// Column.Field hands a fixed-width value slice to the data.Field without
// copying (a column with nulls becomes a []*T field whose pointers point
// into the one value array); time and text fields are materialised
// ([]time.Time, []string viewing the text buffer). arrowipc.MarshalTable
// encodes a table's columns as Arrow IPC straight from their buffers.
//
// The time-series detection rules live in RULES.md.
package frames
