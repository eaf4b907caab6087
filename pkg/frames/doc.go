// Package frames turns streamed query results into Grafana data frames.
//
// An engine streams rows into a [Table] of typed, nullable column builders;
// no row is ever held as []any and no value is boxed:
//
//  1. Describe the result columns: map each engine type name to a
//     [ColumnSpec] with a [TypeMap] (a declarative table of [TypeRule]s).
//  2. t := NewTable(specs, TableOptions{MaxRows: plan.RowCap, ...}).
//  3. Once, before the first row, take each column's typed builder by type
//     assertion on t.Column(i): *Builder[int64], *Builder[time.Time], *Strings,
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
// Builders grow by doubling (never past the row cap) and hand their value
// slices to the data.Field without copying: a column with no nulls becomes a
// plain []T field, a column with nulls a []*T field whose pointers point into
// the one value array. Strings and JSON copied from driver buffers go into a
// chunked arena, so a million short strings cost a handful of allocations.
//
// The time-series detection rules live in RULES.md.
package frames
