package frames

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// BytesString renders binary data the way PostgreSQL prints bytea: `\x`
// followed by lowercase hex.
func BytesString(p []byte) string {
	out := make([]byte, 2+hex.EncodedLen(len(p)))
	out[0], out[1] = '\\', 'x'
	hex.Encode(out[2:], p)
	return string(out)
}

// AppendBytesHex appends BytesString(p) to s without an intermediate string.
func (s *Strings) AppendBytesHex(p []byte) {
	buf := make([]byte, 2+hex.EncodedLen(len(p)))
	buf[0], buf[1] = '\\', 'x'
	hex.Encode(buf[2:], p)
	s.AppendBytes(buf)
}

// FormatDecimal renders unscaled × 10^-scale exactly ("-12.30" for -1230, 2).
func FormatDecimal(unscaled *big.Int, scale int) string {
	if unscaled == nil {
		return ""
	}
	return formatDecimalDigits(unscaled.String(), scale)
}

// FormatDecimal64 is FormatDecimal for an int64 unscaled value.
func FormatDecimal64(unscaled int64, scale int) string {
	return formatDecimalDigits(strconv.FormatInt(unscaled, 10), scale)
}

func formatDecimalDigits(digits string, scale int) string {
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	if scale < 0 {
		digits += strings.Repeat("0", -scale)
		scale = 0
	}
	if scale > 0 {
		if len(digits) <= scale {
			digits = strings.Repeat("0", scale-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if neg && strings.Trim(digits, "0.") != "" {
		return "-" + digits
	}
	return digits
}

// IntervalString renders a calendar interval as PostgreSQL does by default:
// "1 year 2 mons 3 days 04:05:06.789".
func IntervalString(months int32, days int32, micros int64) string {
	var parts []string
	if y := months / 12; y != 0 {
		parts = append(parts, plural(int64(y), "year"))
	}
	if m := months % 12; m != 0 {
		parts = append(parts, plural(int64(m), "mon"))
	}
	if days != 0 {
		parts = append(parts, plural(int64(days), "day"))
	}
	if micros != 0 || len(parts) == 0 {
		sign := ""
		if micros < 0 {
			sign, micros = "-", -micros
		}
		d := time.Duration(micros) * time.Microsecond
		h := int64(d / time.Hour)
		m := int64(d % time.Hour / time.Minute)
		s := int64(d % time.Minute / time.Second)
		frac := micros % 1e6
		clock := fmt.Sprintf("%s%02d:%02d:%02d", sign, h, m, s)
		if frac != 0 {
			clock += strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")
		}
		parts = append(parts, clock)
	}
	return strings.Join(parts, " ")
}

func plural(n int64, unit string) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d %s", n, unit)
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// UUIDString renders 16 bytes in the canonical 8-4-4-4-12 form.
func UUIDString(u [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// InetString renders an address, with /bits when it is a network prefix
// narrower than the address (PostgreSQL inet/cidr, ClickHouse IPv4/IPv6).
func InetString(p netip.Prefix) string {
	if !p.IsValid() {
		return ""
	}
	if p.Bits() == p.Addr().BitLen() || p.Bits() < 0 {
		return p.Addr().Unmap().String()
	}
	return p.String()
}

// WKBToWKT converts OGC well-known binary (2D, optional EWKB SRID) to
// well-known text, for geography/geometry columns.
func WKBToWKT(b []byte) (string, error) {
	r := &wkbReader{b: b}
	var sb strings.Builder
	if err := r.geometry(&sb); err != nil {
		return "", fmt.Errorf("geometry: %w", err)
	}
	return sb.String(), nil
}

type wkbReader struct {
	b     []byte
	order binary.ByteOrder
}

func (r *wkbReader) need(n int) error {
	if len(r.b) < n {
		return fmt.Errorf("truncated WKB")
	}
	return nil
}

func (r *wkbReader) u32() (uint32, error) {
	if err := r.need(4); err != nil {
		return 0, err
	}
	v := r.order.Uint32(r.b)
	r.b = r.b[4:]
	return v, nil
}

func (r *wkbReader) point(sb *strings.Builder) error {
	if err := r.need(16); err != nil {
		return err
	}
	x := math.Float64frombits(r.order.Uint64(r.b))
	y := math.Float64frombits(r.order.Uint64(r.b[8:]))
	r.b = r.b[16:]
	sb.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
	sb.WriteByte(' ')
	sb.WriteString(strconv.FormatFloat(y, 'f', -1, 64))
	return nil
}

func (r *wkbReader) points(sb *strings.Builder) error {
	n, err := r.u32()
	if err != nil {
		return err
	}
	sb.WriteByte('(')
	for i := uint32(0); i < n; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		if err := r.point(sb); err != nil {
			return err
		}
	}
	sb.WriteByte(')')
	return nil
}

func (r *wkbReader) rings(sb *strings.Builder) error {
	n, err := r.u32()
	if err != nil {
		return err
	}
	sb.WriteByte('(')
	for i := uint32(0); i < n; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		if err := r.points(sb); err != nil {
			return err
		}
	}
	sb.WriteByte(')')
	return nil
}

func (r *wkbReader) geometry(sb *strings.Builder) error {
	if err := r.need(5); err != nil {
		return err
	}
	if r.b[0] == 0 {
		r.order = binary.BigEndian
	} else {
		r.order = binary.LittleEndian
	}
	r.b = r.b[1:]
	typ, _ := r.u32()
	if typ&0x20000000 != 0 { // EWKB SRID
		if _, err := r.u32(); err != nil {
			return err
		}
	}
	if typ&0xC0000000 != 0 {
		return fmt.Errorf("3D/measured WKB is not supported")
	}
	switch typ & 0xffff {
	case 1:
		sb.WriteString("POINT(")
		if err := r.point(sb); err != nil {
			return err
		}
		sb.WriteByte(')')
	case 2:
		sb.WriteString("LINESTRING")
		return r.points(sb)
	case 3:
		sb.WriteString("POLYGON")
		return r.rings(sb)
	case 4, 5, 6, 7:
		names := map[uint32]string{4: "MULTIPOINT", 5: "MULTILINESTRING", 6: "MULTIPOLYGON", 7: "GEOMETRYCOLLECTION"}
		sb.WriteString(names[typ&0xffff])
		n, err := r.u32()
		if err != nil {
			return err
		}
		sb.WriteByte('(')
		for i := uint32(0); i < n; i++ {
			if i > 0 {
				sb.WriteString(", ")
			}
			var part strings.Builder
			sub := &wkbReader{b: r.b}
			if err := sub.geometry(&part); err != nil {
				return err
			}
			r.b = sub.b
			s := part.String()
			if typ&0xffff != 7 { // MULTI*: drop the member's type name
				s = s[strings.IndexByte(s, '('):]
				if typ&0xffff == 4 {
					s = s[1 : len(s)-1]
				}
			}
			sb.WriteString(s)
		}
		sb.WriteByte(')')
	default:
		return fmt.Errorf("unsupported WKB geometry type %d", typ&0xffff)
	}
	return nil
}
