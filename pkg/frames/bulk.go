package frames

// Bulk appends for engines whose source is already columnar (Arrow record
// batches from DuckDB and the BigQuery Storage Read API): whole value
// buffers are copied at once instead of value by value. A validity bitmap
// is in Arrow's layout: bit i (least significant bit first) of validity,
// counted from bit offset, is set when value i is valid; a nil bitmap means
// every value is valid. The package does not import Arrow: callers pass the
// buffers.

// AppendValues appends vs (none of them NULL) with one copy: the path for
// an engine whose source column already has the builder's layout, such as
// an Arrow record batch's value buffer.
func (b *Builder[T]) AppendValues(vs []T) {
	if cap(b.vals)-len(b.vals) < len(vs) {
		b.grow(len(vs))
	}
	b.vals = append(b.vals, vs...)
}

// AppendOffsets appends len(offsets)-1 text values (none of them NULL)
// given in Arrow's layout: value i is data[offsets[i]:offsets[i+1]]; the
// offsets need not start at 0 (a sliced Arrow array). The bytes are copied
// once and the offsets rebased in one pass.
func (s *Strings) AppendOffsets(offsets []int32, data []byte) {
	n := len(offsets) - 1
	if n <= 0 {
		return
	}
	first, last := offsets[0], offsets[n]
	size := int(last - first)
	if s.overflow || len(s.data)+size > maxTextBytes {
		// Past the column's limit: value by value, as AppendBytes marks
		// the overflow.
		for i := range n {
			s.AppendBytes(data[offsets[i]:offsets[i+1]])
		}
		return
	}
	if len(s.offsets) == 0 {
		s.offsets = append(s.offsets, 0)
	}
	if cap(s.offsets)-len(s.offsets) < n {
		s.growOffsets(n)
	}
	if cap(s.data)-len(s.data) < size {
		s.growData(size)
	}
	base := int32(len(s.data)) - first
	for _, o := range offsets[1:] {
		s.offsets = append(s.offsets, o+base)
	}
	s.data = append(s.data, data[first:last]...)
}

// validAt reports whether bit i of an Arrow validity bitmap is set.
func validAt(validity []byte, i int) bool { return validity[i>>3]&(1<<(uint(i)&7)) != 0 }

// AppendSliceValidity appends a copy of vals; the values whose bit in the
// Arrow validity bitmap (from bit offset) is clear become NULLs (holding
// the zero value). A nil validity appends every value as valid.
func (b *Builder[T]) AppendSliceValidity(vals []T, validity []byte, offset int) {
	from := len(b.vals)
	b.AppendValues(vals)
	if validity == nil {
		return
	}
	var zero T
	for i := range vals {
		if !validAt(validity, offset+i) {
			b.vals[from+i] = zero
			b.nulls = setNull(b.nulls, from+i)
			b.nNull++
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
