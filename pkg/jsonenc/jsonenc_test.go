package jsonenc

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// TestAppendStringMatchesJSON: strings are quoted as json.Marshal quotes
// them, HTML characters, controls, Unicode separators and invalid UTF-8
// included.
func TestAppendStringMatchesJSON(t *testing.T) {
	cases := []string{"", "plain text 123", `q"uote`, `back\slash`, "a<b", "a>b", "a&b", "\x00\x01\x1f\x7f", "\b\f\n\r\t",
		"héllo ✓ 日本", "a\u2028b\u2029c", "\xff\xfe", "SELECT '<a>' && x -- \"c\""}
	r := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		want, _ := json.Marshal(s)
		if got := AppendString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Fatalf("AppendString(%q) = %s, want x%s", s, got, want)
		}
	}
}

// TestAppendFloatMatchesJSON: floats are written as json.Marshal writes a
// float64, around each format boundary and at random.
func TestAppendFloatMatchesJSON(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1.5, 123456789, 1e20, 1e21, 9.999999999999999e20, 1e-6, 9.99e-7, 1e-7,
		1e-10, 5e-324, math.MaxFloat64, -1e21, -1e-7, 1e100, 1.2345e-300, 100, 1e6, 12345678901234567890}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		vals = append(vals, math.Float64frombits(r.Uint64()), r.NormFloat64()*math.Pow(10, float64(r.IntN(60)-30)))
	}
	for _, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendFloat(nil, v); string(got) != string(want) {
			t.Fatalf("AppendFloat(%v) = %s, want %s", v, got, want)
		}
	}
}
