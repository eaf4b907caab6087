package frames

import (
	"math"
	"strconv"
	"strings"
)

// floatGetter returns an accessor reading column values as float64 (ok is
// false for NULL or unparsable NUMERIC text).
func floatGetter(c Column) (func(i int) (float64, bool), bool) {
	switch b := c.(type) {
	case *Builder[int8]:
		return numGetter(b), true
	case *Builder[int16]:
		return numGetter(b), true
	case *Builder[int32]:
		return numGetter(b), true
	case *Builder[int64]:
		return numGetter(b), true
	case *Builder[uint8]:
		return numGetter(b), true
	case *Builder[uint16]:
		return numGetter(b), true
	case *Builder[uint32]:
		return numGetter(b), true
	case *Builder[uint64]:
		return numGetter(b), true
	case *Builder[float32]:
		return numGetter(b), true
	case *Builder[float64]:
		return numGetter(b), true
	case *Strings:
		if b.spec.Kind != KindNumeric {
			return nil, false
		}
		return func(i int) (float64, bool) {
			if b.IsNull(i) {
				return 0, false
			}
			f, err := strconv.ParseFloat(b.Value(i), 64)
			return f, err == nil
		}, true
	}
	return nil, false
}

type number interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

func numGetter[T number](b *Builder[T]) func(int) (float64, bool) {
	if b.nNull == 0 {
		return func(i int) (float64, bool) { return float64(b.vals[i]), true }
	}
	return func(i int) (float64, bool) {
		if b.IsNull(i) {
			return 0, false
		}
		return float64(b.vals[i]), true
	}
}

// labelGetter returns an accessor reading a column as a label value.
func labelGetter(c Column) (func(i int) string, bool) {
	switch b := c.(type) {
	case *Strings:
		return b.Value, true
	case *Builder[bool]:
		return func(i int) string {
			if b.IsNull(i) {
				return ""
			}
			return strconv.FormatBool(b.vals[i])
		}, true
	}
	return nil, false
}

// timeGetter returns an accessor reading a column as Unix nanoseconds. A
// numeric column holds epoch seconds, milliseconds, microseconds or
// nanoseconds, chosen per value by magnitude (see RULES.md).
func timeGetter(c Column) (func(i int) (int64, bool), bool) {
	if b, ok := c.(*Times); ok {
		if b.nNull == 0 {
			return func(i int) (int64, bool) { return b.vals[i], true }, true
		}
		return func(i int) (int64, bool) {
			if b.IsNull(i) {
				return 0, false
			}
			return b.vals[i], true
		}, true
	}
	get, ok := floatGetter(c)
	if !ok {
		return nil, false
	}
	if b, isInt := c.(*Builder[int64]); isInt {
		// Exact path for the common int64 epoch column.
		return func(i int) (int64, bool) {
			if b.IsNull(i) {
				return 0, false
			}
			return EpochToNanos(b.vals[i]), true
		}, true
	}
	return func(i int) (int64, bool) {
		v, ok := get(i)
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, false
		}
		return epochFloatToNanos(v), true
	}, true
}

// Epoch magnitude thresholds: below 1e11 a value is seconds (until year
// 5138), below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds.
const (
	epochSecLimit   = 1e11
	epochMilliLimit = 1e14
	epochMicroLimit = 1e17
)

// EpochToNanos converts an epoch number of unknown unit to Unix nanoseconds
// by its magnitude.
func EpochToNanos(v int64) int64 {
	a := v
	if a < 0 {
		a = -a
	}
	switch {
	case a < epochSecLimit:
		return v * 1e9
	case a < epochMilliLimit:
		return v * 1e6
	case a < epochMicroLimit:
		return v * 1e3
	default:
		return v
	}
}

func epochFloatToNanos(v float64) int64 {
	a := math.Abs(v)
	switch {
	case a < epochSecLimit:
		return int64(math.Round(v * 1e9))
	case a < epochMilliLimit:
		return int64(math.Round(v * 1e6))
	case a < epochMicroLimit:
		return int64(math.Round(v * 1e3))
	default:
		return int64(v)
	}
}

func isNamed(c Column, names ...string) bool {
	n := c.Spec().Name
	for _, want := range names {
		if strings.EqualFold(n, want) {
			return true
		}
	}
	return false
}

func isLabelKind(k Kind) bool {
	switch k {
	case KindString, KindEnum, KindUUID, KindInet, KindBool:
		return true
	}
	return false
}
