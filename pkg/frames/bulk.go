package frames

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
