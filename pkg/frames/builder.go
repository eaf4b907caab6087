package frames

import (
	"encoding/json"
	"reflect"
	"time"
	"unsafe"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Column is one column builder of a Table. The concrete types are
// *Builder[T] for fixed-width values and time, *Strings and *JSONs.
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
	w := i >> 6
	for len(b.nulls) <= w {
		b.nulls = append(b.nulls, 0)
	}
	b.nulls[w] |= 1 << (uint(i) & 63)
	b.nNull++
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

// arena holds copied bytes in chunks that are never moved, so strings and
// raw JSON can point into them.
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

// Strings builds a string column. AppendBytes copies driver bytes into an
// arena instead of allocating one string per value; Append takes a string
// the driver allocated and counts its bytes (external) as held too.
type Strings struct {
	Builder[string]
	arena arena
	// external is the bytes of the strings given to Append. After a cut
	// at a cap it stays an upper bound.
	external int64
}

// Append appends a string, counting its bytes in SizeBytes.
func (s *Strings) Append(v string) {
	s.external += int64(len(v))
	s.Builder.Append(v)
}

// AppendBytes appends a copy of p as a string.
func (s *Strings) AppendBytes(p []byte) {
	c := s.arena.copy(p)
	if len(c) == 0 {
		s.Builder.Append("")
		return
	}
	s.Builder.Append(unsafe.String(&c[0], len(c)))
}

// SizeBytes approximates the heap the column holds: the string headers,
// the arena and the bytes of strings appended with Append.
func (s *Strings) SizeBytes() int64 { return s.Builder.SizeBytes() + s.arena.held + s.external }

func (s *Strings) reset() {
	clear(s.vals) // drop the strings the driver allocated
	s.Builder.reset()
	s.arena.reset()
	s.external = 0
}

func (s *Strings) valueBytes(from, to int) int64 {
	n := s.Builder.valueBytes(from, to)
	for _, v := range s.vals[from:to] {
		n += int64(len(v))
	}
	return n
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
		return NewBuilder[time.Time](spec)
	case StoreJSON:
		return &JSONs{Builder: Builder[json.RawMessage]{spec: spec}}
	default:
		return &Strings{Builder: Builder[string]{spec: spec}}
	}
}
