package frames

// Bulk appends for engines whose wire format is already columnar (the
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

// AppendSlice appends a copy of vals (no NULLs) in one copy.
func (b *Builder[T]) AppendSlice(vals []T) {
	b.Reserve(len(vals))
	b.vals = append(b.vals, vals...)
}

// AppendSliceValidity appends a copy of vals; the values whose bit in the
// Arrow validity bitmap (from bit offset) is clear become NULLs (holding
// the zero value). A nil validity appends every value as valid.
func (b *Builder[T]) AppendSliceValidity(vals []T, validity []byte, offset int) {
	from := len(b.vals)
	b.AppendSlice(vals)
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

// AppendOffsets appends len(offsets)-1 values given in Arrow's string
// layout: value i is data[offsets[i]:offsets[i+1]]. The bytes are copied in
// one copy and the offsets rebased in one loop. NULLs as in
// AppendSliceValidity; a NULL's bytes, if any, are dropped (it is empty, as
// AppendNull makes it). Past the column's byte limit every value is
// appended empty and the next Table.Commit reports the overflow, as
// AppendBytes does.
func (s *Strings) AppendOffsets(offsets []int32, data []byte, validity []byte, offset int) {
	n := len(offsets) - 1
	if n <= 0 {
		return
	}
	if validity != nil {
		// NULLs must be empty: take the values one by one (still no
		// string per value).
		for i := 0; i < n; i++ {
			if validAt(validity, offset+i) {
				s.AppendBytes(data[offsets[i]:offsets[i+1]])
			} else {
				s.AppendNull()
			}
		}
		return
	}
	if len(s.offsets) == 0 {
		s.offsets = append(s.offsets, 0)
	}
	if cap(s.offsets)-len(s.offsets) < n {
		s.growOffsets(n)
	}
	first, last := offsets[0], offsets[n]
	size := int(last - first)
	base := int32(len(s.data))
	if s.overflow || len(s.data)+size > maxTextBytes {
		s.overflow = true
		for i := 0; i < n; i++ {
			s.offsets = append(s.offsets, base)
		}
		return
	}
	if cap(s.data)-len(s.data) < size {
		s.growData(size)
	}
	s.data = append(s.data, data[first:last]...)
	shift := base - first
	for _, o := range offsets[1:] {
		s.offsets = append(s.offsets, o+shift)
	}
}
