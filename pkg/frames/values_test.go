package frames

import (
	"encoding/hex"
	"math/big"
	"net/netip"
	"testing"
)

func TestFormatDecimal(t *testing.T) {
	tests := []struct {
		unscaled string
		scale    int
		want     string
	}{
		{"1230", 2, "12.30"},
		{"-1230", 2, "-12.30"},
		{"5", 3, "0.005"},
		{"-5", 3, "-0.005"},
		{"0", 2, "0.00"},
		{"123", 0, "123"},
		{"12", -2, "1200"},
		{"123456789012345678901234567890", 10, "12345678901234567890.1234567890"},
	}
	for _, tt := range tests {
		n, _ := new(big.Int).SetString(tt.unscaled, 10)
		if got := FormatDecimal(n, tt.scale); got != tt.want {
			t.Errorf("%s e-%d: got %q want %q", tt.unscaled, tt.scale, got, tt.want)
		}
	}
	if got := FormatDecimal64(-1, 1); got != "-0.1" {
		t.Errorf("got %q", got)
	}
}

func TestIntervalString(t *testing.T) {
	tests := []struct {
		months, days int32
		micros       int64
		want         string
	}{
		{14, 3, 4*3600e6 + 5*60e6 + 6e6, "1 year 2 mons 3 days 04:05:06"},
		{0, 1, 0, "1 day"},
		{0, 0, 0, "00:00:00"},
		{0, 0, -1500000, "-00:00:01.5"},
		{1, 0, 0, "1 mon"},
	}
	for _, tt := range tests {
		if got := IntervalString(tt.months, tt.days, tt.micros); got != tt.want {
			t.Errorf("got %q want %q", got, tt.want)
		}
	}
}

func TestSmallFormatters(t *testing.T) {
	if got := BytesString([]byte{0xde, 0xad}); got != `\xdead` {
		t.Errorf("bytes %q", got)
	}
	u := [16]byte{0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11}
	if got := UUIDString(u); got != "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" {
		t.Errorf("uuid %q", got)
	}
	for in, want := range map[string]string{"10.1.2.3/32": "10.1.2.3", "10.0.0.0/8": "10.0.0.0/8", "2001:db8::1/128": "2001:db8::1", "::ffff:1.2.3.4/128": "1.2.3.4"} {
		if got := InetString(netip.MustParsePrefix(in)); got != want {
			t.Errorf("inet %s: got %q want %q", in, got, want)
		}
	}
}

func TestWKBToWKT(t *testing.T) {
	tests := []struct{ hex, want string }{
		{"0101000000000000000000f03f0000000000000040", "POINT(1 2)"},
		// EWKB point with SRID 4326 (PostGIS geography text output).
		{"0101000020e6100000000000000000f03f0000000000000040", "POINT(1 2)"},
		{"010200000002000000000000000000000000000000000000000000000000000040000000000000f03f", "LINESTRING(0 0, 2 1)"},
		{"0103000000010000000400000000000000000000000000000000000000000000000000004000000000000000000000000000000000000000000000004000000000000000000000000000000000",
			"POLYGON((0 0, 2 0, 0 2, 0 0))"},
		{"0104000000020000000101000000000000000000f03f000000000000f03f010100000000000000000000400000000000000040", "MULTIPOINT(1 1, 2 2)"},
	}
	for _, tt := range tests {
		b, err := hex.DecodeString(tt.hex)
		if err != nil {
			t.Fatal(err)
		}
		got, err := WKBToWKT(b)
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q %v, want %q", tt.hex, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "01", "0101000000000000", "01ff000000"} {
		b, _ := hex.DecodeString(bad)
		if _, err := WKBToWKT(b); err == nil {
			t.Errorf("%q: want an error, not a panic or a value", bad)
		}
	}
}

func TestTypeMapLookup(t *testing.T) {
	m := NewTypeMap(
		TypeRule{Pattern: "int8", Kind: KindInt64},
		TypeRule{Pattern: "Decimal(*", Kind: KindNumeric, Params: func(_ string, s *ColumnSpec) { s.Scale = 2 }},
	)
	if s, ok := m.Spec("a", "INT8"); !ok || s.Kind != KindInt64 {
		t.Fatalf("%+v", s)
	}
	if s, ok := m.Spec("b", "Decimal(12, 2)"); !ok || s.Kind != KindNumeric || s.Scale != 2 {
		t.Fatalf("%+v", s)
	}
	if s, ok := m.Spec("c", "mystery"); ok || s.Kind != KindString {
		t.Fatalf("unknown types fall back to strings: %+v", s)
	}
}
