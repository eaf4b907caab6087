package frames

// Bulk appends with NULLs, next to bulk.go's AppendValues and
// AppendOffsets, for engines whose wire format is already columnar (the
// BigQuery Storage Read API's Arrow record batches): whole value buffers
// are copied at once instead of value by value. A validity bitmap is in
// Arrow's layout: bit i (least significant bit first) of validity, counted
// from bit offset, is set when value i is valid; a nil bitmap means every
// value is valid. The package does not import Arrow: callers pass the
// buffers.

// validAt reports whether bit i of an Arrow validity bitmap is set.
func validAt(validity []byte, i int) bool { return validity[i>>3]&(1<<(uint(i)&7)) != 0 }

// markNulls sets the null bits of values [from, from+n) of a column whose
// bitmap is nulls, from an Arrow validity bitmap, and returns the bitmap
// and the number of NULLs marked.
func markNulls(nulls []uint64, from, n int, validity []byte, offset int) ([]uint64, int) {
	marked := 0
	for i := 0; i < n; i++ {
		if validAt(validity, offset+i) {
			continue
		}
		j := from + i
		w := j >> 6
		for len(nulls) <= w {
			nulls = append(nulls, 0)
		}
		nulls[w] |= 1 << (uint(j) & 63)
		marked++
	}
	return nulls, marked
}

// AppendSliceValidity appends a copy of vals; the values whose bit in the
// Arrow validity bitmap (from bit offset) is clear become NULLs (holding
// the zero value). A nil validity appends every value as valid.
func (b *Builder[T]) AppendSliceValidity(vals []T, validity []byte, offset int) {
	from := len(b.vals)
	b.AppendValues(vals)
	if validity == nil {
		return
	}
	var marked int
	b.nulls, marked = markNulls(b.nulls, from, len(vals), validity, offset)
	if marked == 0 {
		return
	}
	b.nNull += marked
	var zero T
	for i := range vals {
		if !validAt(validity, offset+i) {
			b.vals[from+i] = zero
		}
	}
}

// AppendScaled appends each of vals multiplied by mul (for example Arrow
// microseconds to the column's nanoseconds, mul 1000) in one loop, without
// a time.Time per value. NULLs as in AppendSliceValidity.
func (t *Times) AppendScaled(vals []int64, mul int64, validity []byte, offset int) {
	from := len(t.vals)
	t.AppendSliceValidity(vals, validity, offset)
	if mul == 1 {
		return
	}
	out := t.vals[from:]
	for i := range out {
		out[i] *= mul
	}
}
