package frames

import (
	"encoding/binary"
	"unsafe"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// ArrowColumn is a column's values in Arrow's layout, for an encoder that
// writes Arrow IPC straight from the column (arrowipc.MarshalTable). Type is
// the field type Column.Field gives, so the encoded field decodes to the
// field the SDK's encoder would have written. The byte slices view the
// column's own buffers (no copy) except Validity, bools (bit-packed here)
// and JSON (gathered here); they stay valid while the column is not
// appended to, truncated or reset.
type ArrowColumn struct {
	Name  string
	Type  data.FieldType
	Len   int
	Nulls int
	// Validity is Arrow's validity bitmap (bit i set: value i present);
	// nil when the column holds no NULL.
	Validity []byte
	// Offsets are Len+1 little-endian int32 offsets into Values (text and
	// JSON); nil for fixed-width columns.
	Offsets []byte
	// Values are the fixed-width values (bools one bit each) or the text
	// bytes.
	Values []byte
}

// Arrow returns c's values in Arrow's layout; ok is false for a column type
// it does not know (the caller then encodes c.Field()).
func Arrow(c Column) (col ArrowColumn, ok bool) {
	switch b := c.(type) {
	case *Builder[int8]:
		return fixedArrow(b), true
	case *Builder[int16]:
		return fixedArrow(b), true
	case *Builder[int32]:
		return fixedArrow(b), true
	case *Builder[int64]:
		return fixedArrow(b), true
	case *Builder[uint8]:
		return fixedArrow(b), true
	case *Builder[uint16]:
		return fixedArrow(b), true
	case *Builder[uint32]:
		return fixedArrow(b), true
	case *Builder[uint64]:
		return fixedArrow(b), true
	case *Builder[float32]:
		return fixedArrow(b), true
	case *Builder[float64]:
		return fixedArrow(b), true
	case *Builder[bool]:
		col = ArrowColumn{Name: b.spec.Name, Type: data.FieldTypeBool, Len: len(b.vals), Nulls: b.nNull}
		bits := make([]byte, (len(b.vals)+7)/8)
		for i, v := range b.vals {
			if v && !b.IsNull(i) {
				bits[i>>3] |= 1 << (uint(i) & 7)
			}
		}
		col.Values = bits
		if b.nNull > 0 {
			col.Type = data.FieldTypeNullableBool
			col.Validity = validityOf(b.nulls, len(b.vals))
		}
		return col, true
	case *Times:
		col = fixedArrow(&b.Builder)
		col.Type = data.FieldTypeTime
		if b.nNull > 0 {
			col.Type = data.FieldTypeNullableTime
		}
		return col, true
	case *Strings:
		n := b.Len()
		col = ArrowColumn{Name: b.spec.Name, Type: data.FieldTypeString, Len: n, Nulls: b.nNull}
		if n == 0 {
			col.Offsets = make([]byte, 4)
		} else {
			col.Offsets = bytesOf(b.offsets[:n+1])
			col.Values = b.data[:b.offsets[n]]
		}
		if b.nNull > 0 {
			col.Type = data.FieldTypeNullableString
			col.Validity = validityOf(b.nulls, n)
		}
		return col, true
	case *JSONs:
		// Field gives []json.RawMessage (never nullable): a NULL is an
		// empty value, as the SDK writes a nil message.
		n := len(b.vals)
		offsets := make([]int32, n+1)
		total := 0
		for _, v := range b.vals {
			total += len(v)
		}
		if total > maxTextBytes {
			return ArrowColumn{}, false
		}
		buf := make([]byte, 0, total)
		for i, v := range b.vals {
			buf = append(buf, v...)
			offsets[i+1] = int32(len(buf))
		}
		return ArrowColumn{Name: b.spec.Name, Type: data.FieldTypeJSON, Len: n, Offsets: bytesOf(offsets), Values: buf}, true
	}
	return ArrowColumn{}, false
}

func fixedArrow[T any](b *Builder[T]) ArrowColumn {
	var zero T
	col := ArrowColumn{Name: b.spec.Name, Type: data.FieldTypeFor(zero), Len: len(b.vals), Nulls: b.nNull, Values: bytesOf(b.vals)}
	if b.nNull > 0 {
		col.Type = col.Type.NullableType()
		col.Validity = validityOf(b.nulls, len(b.vals))
	}
	return col
}

// validityOf turns a null bitmap (bit set = NULL, 64 values a word) into
// Arrow's validity bitmap for n values (bit set = present, LSB first).
func validityOf(nulls []uint64, n int) []byte {
	out := make([]byte, (n+63)/64*8)
	for w := range (n + 63) / 64 {
		var word uint64
		if w < len(nulls) {
			word = nulls[w]
		}
		binary.LittleEndian.PutUint64(out[w*8:], ^word)
	}
	out = out[:(n+7)/8]
	if r := n & 7; r != 0 {
		out[len(out)-1] &= 1<<uint(r) - 1
	}
	return out
}

// bytesOf views a slice of fixed-width values as bytes (no copy). Arrow
// buffers are little-endian, as the machines Grafana runs on.
func bytesOf[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(zero)))
}
