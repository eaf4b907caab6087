package frames

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"time"
	"unsafe"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Column is one column builder of a Table. The concrete types are
// *Builder[T] for fixed-width values, *Times, *Strings and *JSONs.
type Column interface {
	// Spec describes the column.
	Spec() ColumnSpec
	// Len is the number of values appended.
	Len() int
	// AppendNull appends a NULL.
	AppendNull()
	// IsNull reports whether value i is NULL.
	IsNull(i int) bool
	// NullCount is the number of NULLs.
	NullCount() int
	// Field converts the column to a data.Field, handing over its values
	// without copying. The builder must not be appended to afterwards.
	Field() *data.Field
	// SizeBytes approximates the heap the column holds.
	SizeBytes() int64

	// valueBytes is what values [from, to) hold: their size, plus the
	// bytes of text and JSON values.
	valueBytes(from, to int) int64
	setLimit(maxRows int)
	truncate(n int)
	// reset empties the column, keeping its capacity (a chunked table
	// after a flush).
	reset()
}

// Builder is a typed, nullable column builder: values in one []T plus a null
// bitmap that is allocated only when the first NULL arrives.
type Builder[T any] struct {
	spec  ColumnSpec
	vals  []T
	nulls []uint64
	nNull int
	limit int // max capacity (row cap); 0 = none
}

// NewBuilder returns an empty builder (tables create theirs with NewTable).
func NewBuilder[T any](spec ColumnSpec) *Builder[T] { return &Builder[T]{spec: spec} }

// Spec describes the column.
func (b *Builder[T]) Spec() ColumnSpec { return b.spec }

// Len is the number of values appended.
func (b *Builder[T]) Len() int { return len(b.vals) }

// NullCount is the number of NULLs.
func (b *Builder[T]) NullCount() int { return b.nNull }

// Append appends a value.
func (b *Builder[T]) Append(v T) {
	if len(b.vals) == cap(b.vals) {
		b.grow(1)
	}
	b.vals = append(b.vals, v)
}

// AppendNull appends a NULL (the zero value, marked in the bitmap).
func (b *Builder[T]) AppendNull() {
	i := len(b.vals)
	var zero T
	b.Append(zero)
	b.nulls = setNull(b.nulls, i)
	b.nNull++
}

// setNull sets bit i of a NULL bitmap, growing it as needed.
func setNull(nulls []uint64, i int) []uint64 {
	w := i >> 6
	for len(nulls) <= w {
		nulls = append(nulls, 0)
	}
	nulls[w] |= 1 << (uint(i) & 63)
	return nulls
}

// IsNull reports whether value i is NULL.
func (b *Builder[T]) IsNull(i int) bool {
	w := i >> 6
	return w < len(b.nulls) && b.nulls[w]&(1<<(uint(i)&63)) != 0
}

// Values returns the appended values (NULLs hold the zero value). The slice
// aliases the builder.
func (b *Builder[T]) Values() []T { return b.vals }

// Reserve makes room for n more values without reallocating.
func (b *Builder[T]) Reserve(n int) {
	if cap(b.vals)-len(b.vals) < n {
		b.grow(n)
	}
}

// grow doubles the capacity (at least n more), never past the row cap. Growth
// by doubling keeps the peak at a reallocation at 1.5x the final array.
func (b *Builder[T]) grow(n int) {
	c := cap(b.vals) * 2
	if c < 256 {
		c = 256
	}
	if need := len(b.vals) + n; c < need {
		c = need
	}
	if b.limit > 0 && c > b.limit {
		c = max(b.limit, len(b.vals)+n)
	}
	nv := make([]T, len(b.vals), c)
	copy(nv, b.vals)
	b.vals = nv
}

func (b *Builder[T]) setLimit(maxRows int) { b.limit = maxRows }

func (b *Builder[T]) truncate(n int) {
	if n >= len(b.vals) {
		return
	}
	for i := n; i < len(b.vals); i++ {
		if b.IsNull(i) {
			b.nNull--
		}
	}
	b.vals = b.vals[:n]
	if w := (n + 63) >> 6; w < len(b.nulls) {
		b.nulls = b.nulls[:w]
	}
	if n&63 != 0 && len(b.nulls) > 0 && len(b.nulls) == (n+63)>>6 {
		b.nulls[len(b.nulls)-1] &= (1 << (uint(n) & 63)) - 1
	}
}

func (b *Builder[T]) reset() {
	clear(b.nulls)
	b.vals, b.nulls, b.nNull = b.vals[:0], b.nulls[:0], 0
}

// SizeBytes approximates the heap the column holds.
func (b *Builder[T]) SizeBytes() int64 {
	var zero T
	return int64(cap(b.vals))*int64(unsafe.Sizeof(zero)) + int64(len(b.nulls))*8
}

func (b *Builder[T]) valueBytes(from, to int) int64 {
	var zero T
	return int64(to-from) * int64(unsafe.Sizeof(zero))
}

// Field converts the column: []T when there are no NULLs, else []*T whose
// pointers point into the value array (one allocation for the pointers).
func (b *Builder[T]) Field() *data.Field {
	if b.nNull == 0 {
		return newField(b.spec.Name, b.vals)
	}
	ptrs := make([]*T, len(b.vals))
	for i := range b.vals {
		if !b.IsNull(i) {
			ptrs[i] = &b.vals[i]
		}
	}
	return newField(b.spec.Name, ptrs)
}

// newField builds a field that owns vals without copying them. The SDK's
// NewField copies its input; to hand over the slice we build an empty field
// of the same type and replace its (unexported) vector's slice header. The
// replacement is verified; if the SDK's layout ever changes we fall back to
// the copying constructor.
func newField[T any](name string, vals []T) *data.Field {
	f := data.NewField(name, nil, []T(nil))
	if adopt(f, vals) {
		return f
	}
	return data.NewField(name, nil, vals)
}

func adopt[T any](f *data.Field, vals []T) bool {
	v := reflect.ValueOf(f).Elem().FieldByName("vector")
	if !v.IsValid() || v.Kind() != reflect.Interface || v.IsNil() {
		return false
	}
	p := v.Elem()
	if p.Kind() != reflect.Pointer || p.IsNil() {
		return false
	}
	st := p.Type().Elem()
	if st.Kind() != reflect.Slice || st.Elem() != reflect.TypeFor[T]() {
		return false
	}
	*(*[]T)(p.UnsafePointer()) = vals
	return f.Len() == len(vals)
}

// reset drops the arena's bytes, keeping its last chunk for reuse.
func (a *arena) reset() {
	a.buf = a.buf[:0]
	a.held = int64(cap(a.buf))
}

// arena holds copied bytes in chunks that are never moved, so raw JSON
// can point into them.
type arena struct {
	buf  []byte
	held int64
}

const arenaMaxChunk = 1 << 20

func (a *arena) copy(p []byte) []byte {
	if len(p) == 0 {
		return p[:0:0]
	}
	if cap(a.buf)-len(a.buf) < len(p) {
		size := cap(a.buf) * 2
		if size < 4096 {
			size = 4096
		}
		if size > arenaMaxChunk {
			size = arenaMaxChunk
		}
		if size < len(p) {
			size = len(p)
		}
		a.buf = make([]byte, 0, size)
		a.held += int64(size)
	}
	n := len(a.buf)
	a.buf = append(a.buf, p...)
	return a.buf[n:len(a.buf):len(a.buf)]
}

// Times builds a time column in Arrow's layout: Unix nanoseconds (int64,
// the unit of Grafana's time fields) plus the null bitmap, so the column
// holds 8 bytes a value and nothing the GC must scan. Values are the
// nanoseconds; Field materialises time.Time values (UTC) for the paths that
// need a data.Field. Times outside 1677-2262 do not fit in int64
// nanoseconds: they wrap exactly as the SDK's Arrow encoder (UnixNano)
// wraps them.
type Times struct {
	Builder[int64]
}

// NewTimes returns an empty time column (tables create theirs with
// NewTable).
func NewTimes(spec ColumnSpec) *Times { return &Times{Builder: Builder[int64]{spec: spec}} }

// Append appends a time.
func (t *Times) Append(v time.Time) { t.Builder.Append(v.UnixNano()) }

// AppendNanos appends a time given as Unix nanoseconds.
func (t *Times) AppendNanos(ns int64) { t.Builder.Append(ns) }

// Time returns value i (UTC; the zero Unix time for NULL).
func (t *Times) Time(i int) time.Time { return time.Unix(0, t.vals[i]).UTC() }

// Field converts the column to a []time.Time field, or []*time.Time when it
// holds a NULL (values in UTC).
func (t *Times) Field() *data.Field {
	if t.nNull == 0 {
		return newField(t.spec.Name, t.times())
	}
	return t.nullableField()
}

func (t *Times) nullableField() *data.Field {
	vals := t.times()
	ptrs := make([]*time.Time, len(vals))
	for i := range vals {
		if !t.IsNull(i) {
			ptrs[i] = &vals[i]
		}
	}
	return newField(t.spec.Name, ptrs)
}

func (t *Times) times() []time.Time {
	out := make([]time.Time, len(t.vals))
	for i, ns := range t.vals {
		out[i] = time.Unix(0, ns).UTC()
	}
	return out
}

// maxTextBytes is what one text column may hold: Arrow's string offsets
// are int32.
const maxTextBytes = 1<<31 - 1

// Strings builds a text column in Arrow's layout: int32 offsets (Len+1 of
// them) into one data buffer, plus the null bitmap. Append and AppendBytes
// copy the value's bytes into the buffer; no string is allocated per value.
// Value returns a view of the buffer. Field materialises a []string field
// whose strings are views of the buffer (no copy of the bytes): the bytes
// of committed values are never overwritten, except by a chunked table's
// refill after a flush.
type Strings struct {
	spec    ColumnSpec
	offsets []int32 // offsets[0] = 0; value i is data[offsets[i]:offsets[i+1]]
	data    []byte
	nulls   []uint64
	nNull   int
	limit   int
	// overflow is set when the bytes passed maxTextBytes (the values
	// past it are appended empty); Table.Commit reports it.
	overflow bool
}

// NewStrings returns an empty text column (tables create theirs with
// NewTable).
func NewStrings(spec ColumnSpec) *Strings { return &Strings{spec: spec} }

// Spec describes the column.
func (s *Strings) Spec() ColumnSpec { return s.spec }

// Len is the number of values appended.
func (s *Strings) Len() int {
	if len(s.offsets) == 0 {
		return 0
	}
	return len(s.offsets) - 1
}

// NullCount is the number of NULLs.
func (s *Strings) NullCount() int { return s.nNull }

// Append appends a copy of the string's bytes.
func (s *Strings) Append(v string) {
	if s.appendEnd(len(v)) {
		if cap(s.data)-len(s.data) < len(v) {
			s.growData(len(v))
		}
		s.data = append(s.data, v...)
	}
}

// AppendBytes appends a copy of p.
func (s *Strings) AppendBytes(p []byte) {
	if s.appendEnd(len(p)) {
		if cap(s.data)-len(s.data) < len(p) {
			s.growData(len(p))
		}
		s.data = append(s.data, p...)
	}
}

// growData doubles the data buffer's capacity (at least n more bytes).
// append alone grows a large slice by a quarter at a time, which copied a
// 1M-value column's bytes about five times over.
func (s *Strings) growData(n int) {
	s.data = slices.Grow(s.data, min(max(cap(s.data), n, 4096), maxTextBytes-len(s.data)))
}

// appendEnd adds the end offset of a value of n bytes the caller then
// appends; false (the value stays empty) once the column would pass
// maxTextBytes.
func (s *Strings) appendEnd(n int) bool {
	if len(s.offsets) == 0 {
		s.offsets = append(s.offsets, 0)
	}
	if len(s.offsets) == cap(s.offsets) {
		s.growOffsets(1)
	}
	end := len(s.data) + n
	if s.overflow || end > maxTextBytes {
		s.overflow = true
		s.offsets = append(s.offsets, int32(len(s.data)))
		return false
	}
	s.offsets = append(s.offsets, int32(end))
	return true
}

// AppendNull appends a NULL (an empty value, marked in the bitmap).
func (s *Strings) AppendNull() {
	i := s.Len()
	s.appendEnd(0)
	s.nulls = setNull(s.nulls, i)
	s.nNull++
}

// IsNull reports whether value i is NULL.
func (s *Strings) IsNull(i int) bool {
	w := i >> 6
	return w < len(s.nulls) && s.nulls[w]&(1<<(uint(i)&63)) != 0
}

// Value returns value i ("" for NULL), a view of the column's buffer.
func (s *Strings) Value(i int) string {
	a, b := s.offsets[i], s.offsets[i+1]
	if a == b {
		return ""
	}
	return unsafe.String(&s.data[a], int(b-a))
}

// Bytes returns value i's bytes (a view of the column's buffer).
func (s *Strings) Bytes(i int) []byte {
	return s.data[s.offsets[i]:s.offsets[i+1]:s.offsets[i+1]]
}

// Reserve makes room for n more values without reallocating the offsets.
func (s *Strings) Reserve(n int) {
	if len(s.offsets) == 0 {
		s.offsets = make([]int32, 1, min(n+1, s.capLimit(n+1)))
		return
	}
	if cap(s.offsets)-len(s.offsets) < n {
		s.growOffsets(n)
	}
}

func (s *Strings) capLimit(c int) int {
	if s.limit > 0 && c > s.limit+1 {
		return s.limit + 1
	}
	return c
}

// growOffsets doubles the offsets' capacity (at least n more), never past
// the row cap.
func (s *Strings) growOffsets(n int) {
	c := cap(s.offsets) * 2
	if c < 257 {
		c = 257
	}
	if need := len(s.offsets) + n; c < need {
		c = need
	}
	c = max(s.capLimit(c), len(s.offsets)+n)
	no := make([]int32, len(s.offsets), c)
	copy(no, s.offsets)
	s.offsets = no
}

func (s *Strings) setLimit(maxRows int) { s.limit = maxRows }

func (s *Strings) truncate(n int) {
	if n >= s.Len() {
		return
	}
	for i := n; i < s.Len(); i++ {
		if s.IsNull(i) {
			s.nNull--
		}
	}
	s.offsets = s.offsets[:n+1]
	s.data = s.data[:s.offsets[n]]
	if w := (n + 63) >> 6; w < len(s.nulls) {
		s.nulls = s.nulls[:w]
	}
	if n&63 != 0 && len(s.nulls) > 0 && len(s.nulls) == (n+63)>>6 {
		s.nulls[len(s.nulls)-1] &= (1 << (uint(n) & 63)) - 1
	}
	if len(s.data) <= maxTextBytes {
		s.overflow = false
	}
}

func (s *Strings) reset() {
	clear(s.nulls)
	s.nulls, s.nNull, s.overflow = s.nulls[:0], 0, false
	if len(s.offsets) > 0 {
		s.offsets = s.offsets[:1]
	}
	s.data = s.data[:0]
}

// SizeBytes approximates the heap the column holds.
func (s *Strings) SizeBytes() int64 {
	return int64(cap(s.offsets))*4 + int64(cap(s.data)) + int64(len(s.nulls))*8
}

// textHeader is what the byte cap counts per text value besides its bytes:
// a string header, what each value takes in a data.Field (the column itself
// holds a 4-byte offset). Counting it keeps the caps' cut points those of
// the columns before they were Arrow-layout.
const textHeader = int64(unsafe.Sizeof(""))

// valueBytes is what values [from, to) hold as the caps count them: a
// string header each plus their bytes.
func (s *Strings) valueBytes(from, to int) int64 {
	if to <= from {
		return 0
	}
	return int64(to-from)*textHeader + int64(s.offsets[to]-s.offsets[from])
}

// Field converts the column to a []string field, or []*string when it
// holds a NULL; the strings are views of the column's buffer.
func (s *Strings) Field() *data.Field {
	if s.nNull == 0 {
		return newField(s.spec.Name, s.strings())
	}
	return s.nullableField()
}

func (s *Strings) nullableField() *data.Field {
	vals := s.strings()
	ptrs := make([]*string, len(vals))
	for i := range vals {
		if !s.IsNull(i) {
			ptrs[i] = &vals[i]
		}
	}
	return newField(s.spec.Name, ptrs)
}

func (s *Strings) strings() []string {
	out := make([]string, s.Len())
	for i := range out {
		out[i] = s.Value(i)
	}
	return out
}

// checkOverflow reports a column that passed maxTextBytes.
func (s *Strings) checkOverflow() error {
	if !s.overflow {
		return nil
	}
	return fmt.Errorf("frames: text column %q holds more than %d bytes, the most one Arrow column can; set a byte cap (maxResultBytes) or select fewer rows", s.spec.Name, maxTextBytes)
}

// JSONs builds a JSON column (json.RawMessage); NULL becomes a nil message,
// which Grafana shows as null.
type JSONs struct {
	Builder[json.RawMessage]
	arena arena
	// external is the bytes of the messages given to Append.
	external int64
}

// Append appends a JSON message (it is kept, not copied), counting its
// bytes in SizeBytes.
func (j *JSONs) Append(m json.RawMessage) {
	j.external += int64(cap(m))
	j.Builder.Append(m)
}

// AppendBytes appends a copy of the JSON text p (p must be valid JSON).
func (j *JSONs) AppendBytes(p []byte) { j.Builder.Append(json.RawMessage(j.arena.copy(p))) }

// SizeBytes approximates the heap the column holds.
func (j *JSONs) SizeBytes() int64 { return j.Builder.SizeBytes() + j.arena.held + j.external }

func (j *JSONs) reset() {
	clear(j.vals)
	j.Builder.reset()
	j.arena.reset()
	j.external = 0
}

func (j *JSONs) valueBytes(from, to int) int64 {
	n := j.Builder.valueBytes(from, to)
	for _, v := range j.vals[from:to] {
		n += int64(len(v))
	}
	return n
}

// Field converts the column to a []json.RawMessage field (never []*T).
func (j *JSONs) Field() *data.Field { return newField(j.spec.Name, j.vals) }

// newColumn creates the builder for a spec.
func newColumn(spec ColumnSpec, numericAsFloat bool) Column {
	switch Storage(spec.Kind, numericAsFloat) {
	case StoreInt8:
		return NewBuilder[int8](spec)
	case StoreInt16:
		return NewBuilder[int16](spec)
	case StoreInt32:
		return NewBuilder[int32](spec)
	case StoreInt64:
		return NewBuilder[int64](spec)
	case StoreUint8:
		return NewBuilder[uint8](spec)
	case StoreUint16:
		return NewBuilder[uint16](spec)
	case StoreUint32:
		return NewBuilder[uint32](spec)
	case StoreUint64:
		return NewBuilder[uint64](spec)
	case StoreFloat32:
		return NewBuilder[float32](spec)
	case StoreFloat64:
		return NewBuilder[float64](spec)
	case StoreBool:
		return NewBuilder[bool](spec)
	case StoreTime:
		return NewTimes(spec)
	case StoreJSON:
		return &JSONs{Builder: Builder[json.RawMessage]{spec: spec}}
	default:
		return NewStrings(spec)
	}
}
