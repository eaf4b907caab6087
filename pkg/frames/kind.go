package frames

import (
	"fmt"
	"strings"
)

// Kind is the logical type of a result column.
type Kind uint8

// Column kinds. The comment gives the frame field type each becomes.
const (
	KindInvalid   Kind = iota
	KindInt8           // int8
	KindInt16          // int16
	KindInt32          // int32
	KindInt64          // int64
	KindUint8          // uint8
	KindUint16         // uint16
	KindUint32         // uint32
	KindUint64         // uint64
	KindFloat32        // float32
	KindFloat64        // float64
	KindBool           // bool
	KindString         // string
	KindBytes          // string, `\x`-prefixed hex (see BytesString)
	KindTime           // time.Time; ColumnSpec.Precision is the fractional-second digits
	KindJSON           // json.RawMessage
	KindNumeric        // exact decimal string; float64 with TableOptions.NumericAsFloat
	KindInterval       // string (see IntervalString)
	KindUUID           // string, canonical 8-4-4-4-12 form
	KindInet           // string, address or CIDR
	KindEnum           // string, the enum label
	KindArray          // json.RawMessage array
	KindStruct         // json.RawMessage object (structs, records, tuples)
	KindMap            // json.RawMessage object
	KindGeography      // string, WKT
	kindCount
)

var kindNames = [...]string{
	KindInvalid: "invalid", KindInt8: "int8", KindInt16: "int16", KindInt32: "int32", KindInt64: "int64",
	KindUint8: "uint8", KindUint16: "uint16", KindUint32: "uint32", KindUint64: "uint64",
	KindFloat32: "float32", KindFloat64: "float64", KindBool: "bool", KindString: "string",
	KindBytes: "bytes", KindTime: "time", KindJSON: "json", KindNumeric: "numeric",
	KindInterval: "interval", KindUUID: "uuid", KindInet: "inet", KindEnum: "enum",
	KindArray: "array", KindStruct: "struct", KindMap: "map", KindGeography: "geography",
}

func (k Kind) String() string {
	if k < kindCount {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Numeric reports whether the kind holds numbers (integers, floats or NUMERIC).
func (k Kind) Numeric() bool {
	return (k >= KindInt8 && k <= KindFloat64) || k == KindNumeric
}

// StorageKind is the Go representation a builder uses for a kind.
type StorageKind uint8

// Storage kinds; each names the builder type an engine asserts to.
const (
	StoreInt8    StorageKind = iota // *Builder[int8]
	StoreInt16                      // *Builder[int16]
	StoreInt32                      // *Builder[int32]
	StoreInt64                      // *Builder[int64]
	StoreUint8                      // *Builder[uint8]
	StoreUint16                     // *Builder[uint16]
	StoreUint32                     // *Builder[uint32]
	StoreUint64                     // *Builder[uint64]
	StoreFloat32                    // *Builder[float32]
	StoreFloat64                    // *Builder[float64]
	StoreBool                       // *Builder[bool]
	StoreString                     // *Strings
	StoreTime                       // *Times
	StoreJSON                       // *JSONs
)

// Storage returns how a kind is stored. NUMERIC is a string unless
// numericAsFloat is set.
func Storage(k Kind, numericAsFloat bool) StorageKind {
	switch k {
	case KindInt8:
		return StoreInt8
	case KindInt16:
		return StoreInt16
	case KindInt32:
		return StoreInt32
	case KindInt64:
		return StoreInt64
	case KindUint8:
		return StoreUint8
	case KindUint16:
		return StoreUint16
	case KindUint32:
		return StoreUint32
	case KindUint64:
		return StoreUint64
	case KindFloat32:
		return StoreFloat32
	case KindFloat64:
		return StoreFloat64
	case KindBool:
		return StoreBool
	case KindTime:
		return StoreTime
	case KindJSON, KindArray, KindStruct, KindMap:
		return StoreJSON
	case KindNumeric:
		if numericAsFloat {
			return StoreFloat64
		}
		return StoreString
	default:
		return StoreString
	}
}

// ColumnSpec describes one result column.
type ColumnSpec struct {
	Name string
	Kind Kind
	// DBType is the engine's type name, as reported (for errors and docs).
	DBType string
	// Precision is the fractional-second digits of a time (0..9), or the
	// precision of a NUMERIC.
	Precision int
	// Scale is the scale of a NUMERIC.
	Scale int
}

// TypeRule maps engine type names to a kind. Pattern is matched
// case-insensitively against the whole type name; a trailing `*` matches any
// suffix (e.g. `Decimal(*` or `DateTime64(*`). Params, when set, fills
// precision/scale from the type name.
type TypeRule struct {
	Pattern string
	Kind    Kind
	Params  func(dbType string, spec *ColumnSpec)
}

// TypeMap is a declarative engine-type → kind registry. Rules are tried in
// order; exact patterns are looked up first.
type TypeMap struct {
	exact  map[string]int
	prefix []int
	rules  []TypeRule
	// Fallback is the kind for unknown types (KindString when zero).
	Fallback Kind
}

// NewTypeMap builds a registry from rules.
func NewTypeMap(rules ...TypeRule) *TypeMap {
	m := &TypeMap{exact: make(map[string]int, len(rules)), rules: rules}
	for i, r := range rules {
		p := strings.ToLower(r.Pattern)
		if strings.HasSuffix(p, "*") {
			m.prefix = append(m.prefix, i)
			continue
		}
		if _, dup := m.exact[p]; !dup {
			m.exact[p] = i
		}
	}
	return m
}

// Lookup returns the rule for a type name.
func (m *TypeMap) Lookup(dbType string) (TypeRule, bool) {
	t := strings.ToLower(strings.TrimSpace(dbType))
	if i, ok := m.exact[t]; ok {
		return m.rules[i], true
	}
	for _, i := range m.prefix {
		p := strings.ToLower(strings.TrimSuffix(m.rules[i].Pattern, "*"))
		if strings.HasPrefix(t, p) {
			return m.rules[i], true
		}
	}
	return TypeRule{}, false
}

// Spec returns the column spec for a named column of an engine type. Unknown
// types become the fallback kind (strings), so a new engine type never fails
// a query; ok reports whether a rule matched.
func (m *TypeMap) Spec(name, dbType string) (spec ColumnSpec, ok bool) {
	spec = ColumnSpec{Name: name, DBType: dbType}
	r, ok := m.Lookup(dbType)
	if !ok {
		spec.Kind = m.Fallback
		if spec.Kind == KindInvalid {
			spec.Kind = KindString
		}
		return spec, false
	}
	spec.Kind = r.Kind
	if r.Params != nil {
		r.Params(dbType, &spec)
	}
	return spec, true
}

// Rules returns the registry's rules in order (for documentation and tests).
func (m *TypeMap) Rules() []TypeRule { return m.rules }
