package clickhouse

import (
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/frames"
)

// TestTypeMapModernTypes covers types that ClickHouse 18.16.1 (the server
// in this environment) does not have, as modern servers report them.
func TestTypeMapModernTypes(t *testing.T) {
	tests := []struct {
		dbType    string
		kind      frames.Kind
		precision int
		scale     int
		nullable  bool
	}{
		{"DateTime64(3)", frames.KindTime, 3, 0, false},
		{"DateTime64(9, 'UTC')", frames.KindTime, 9, 0, false},
		{"Nullable(DateTime64(6, 'Europe/Berlin'))", frames.KindTime, 6, 0, true},
		{"Date32", frames.KindTime, 0, 0, false},
		{"IPv4", frames.KindInet, 0, 0, false},
		{"IPv6", frames.KindInet, 0, 0, false},
		{"Map(String, UInt64)", frames.KindMap, 0, 0, false},
		{"Bool", frames.KindBool, 0, 0, false},
		{"Int128", frames.KindNumeric, 0, 0, false},
		{"UInt256", frames.KindNumeric, 0, 0, false},
		{"Decimal(76, 10)", frames.KindNumeric, 76, 10, false},
		{"Decimal64(4)", frames.KindNumeric, 0, 4, false},
		{"LowCardinality(Nullable(String))", frames.KindString, 0, 0, true},
		{"Enum8('a' = 1)", frames.KindEnum, 0, 0, false},
		{"Tuple(a UInt8, b String)", frames.KindStruct, 0, 0, false},
		{"Nested(a UInt8)", frames.KindArray, 0, 0, false},
		{"JSON", frames.KindJSON, 0, 0, false},
		{"SomethingNew(1)", frames.KindString, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.dbType, func(t *testing.T) {
			base, nullable := baseType(tt.dbType)
			spec, _ := TypeMap.Spec("c", base)
			if spec.Kind != tt.kind || spec.Precision != tt.precision || spec.Scale != tt.scale || nullable != tt.nullable {
				t.Fatalf("got %s p=%d s=%d nullable=%v", spec.Kind, spec.Precision, spec.Scale, nullable)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		s    Settings
		sec  Secrets
		want string
	}{
		{"ok", Settings{Host: "ch.example.com"}, Secrets{}, ""},
		{"no host", Settings{}, Secrets{}, "Host is required"},
		{"scheme", Settings{Host: "tcp://ch"}, Secrets{}, "must be a bare host name"},
		{"http port", Settings{Host: "ch", Port: 8123}, Secrets{}, "is ClickHouse's HTTP port"},
		{"tls without secure", Settings{Host: "ch", TLSSkipVerify: true}, Secrets{}, "enable Secure"},
		{"bad ca", Settings{Host: "ch", Secure: true, TLSCACert: "nope"}, Secrets{}, "CA certificate is not valid PEM"},
		{"cert without key", Settings{Host: "ch", Secure: true, TLSClientCert: "x"}, Secrets{}, "set both or neither"},
		{"negative timeout", Settings{Host: "ch", QueryTimeout: -1}, Secrets{}, "must not be negative"},
		{"no compression", Settings{Host: "ch", Compression: "none"}, Secrets{}, ""},
		{"zstd", Settings{Host: "ch", Compression: "zstd"}, Secrets{}, ""},
		{"unknown compression", Settings{Host: "ch", Compression: "gzip"}, Secrets{}, `Compression "gzip" is not known: use lz4, zstd or none`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Validate(tt.sec)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestSecureDefaultsToPort9440(t *testing.T) {
	if p := (Settings{Host: "h", Secure: true}).WithDefaults().Port; p != 9440 {
		t.Fatalf("port %d", p)
	}
}
