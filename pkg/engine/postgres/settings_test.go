package postgres

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	ok := Settings{Host: "db.example.com", Database: "app", User: "grafana"}
	tests := []struct {
		name string
		edit func(*Settings)
		sec  Secrets
		want []string
	}{
		{"ok", func(*Settings) {}, Secrets{}, nil},
		{"everything missing", func(s *Settings) { *s = Settings{} }, Secrets{}, []string{"Host is required", "Database is required", "User is required"}},
		{"url as host", func(s *Settings) { s.Host = "postgres://db" }, Secrets{}, []string{"must be a bare host name"}},
		{"port", func(s *Settings) { s.Port = 70000 }, Secrets{}, []string{"Port 70000 is out of range"}},
		{"sslmode", func(s *Settings) { s.SSLMode = "verify" }, Secrets{}, []string{`SSL mode "verify" is not supported`}},
		{"verify-full needs CA", func(s *Settings) { s.SSLMode = "verify-full" }, Secrets{}, []string{"needs the CA certificate"}},
		{"bad CA", func(s *Settings) { s.SSLMode = "verify-ca"; s.SSLRootCert = "junk" }, Secrets{}, []string{"not valid PEM"}},
		{"key without cert", func(*Settings) {}, Secrets{SSLKey: "k"}, []string{"set both or neither"}},
		{"pool", func(s *Settings) { s.MaxConns = -1 }, Secrets{}, []string{"Max connections -1 is out of range"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			tt.edit(&s)
			err := s.Validate(tt.sec)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatal("secret in error")
			}
		})
	}
}

func TestParseSettingsDurations(t *testing.T) {
	s, err := ParseSettings([]byte(`{"host":"h","database":"d","user":"u","queryTimeout":"45s","connMaxLifetime":600}`))
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(s.QueryTimeout) != 45*time.Second || time.Duration(s.ConnMaxLifetime) != 10*time.Minute {
		t.Fatalf("%+v", s)
	}
	if _, err := ParseSettings([]byte(`{"queryTimeout":"soon"}`)); err == nil || !strings.Contains(err.Error(), `"soon" is not a duration`) {
		t.Fatalf("got %v", err)
	}
	out, _ := json.Marshal(s)
	if !strings.Contains(string(out), `"queryTimeout":"45s"`) {
		t.Fatalf("%s", out)
	}
}

func TestTLSModes(t *testing.T) {
	for mode, wantTLS := range map[string]bool{"disable": false, "prefer": true, "require": true} {
		cfg, err := Settings{SSLMode: mode}.tlsConfig(Secrets{})
		if err != nil || (cfg != nil) != wantTLS {
			t.Fatalf("%s: %v %v", mode, cfg, err)
		}
	}
}

func TestAppendNumeric(t *testing.T) {
	// 12.30: ndigits 2, weight 0, sign +, dscale 2, digits 12, 3000
	got, err := appendNumeric(nil, []byte{0, 2, 0, 0, 0, 0, 0, 2, 0, 12, 0x0b, 0xb8})
	if err != nil || string(got) != "12.30" {
		t.Fatalf("%q %v", got, err)
	}
	// -0.000123: ndigits 2 weight -1 sign - dscale 6 digits 1, 2300
	got, err = appendNumeric(nil, []byte{0, 2, 0xff, 0xff, 0x40, 0, 0, 6, 0, 1, 0x08, 0xfc})
	if err != nil || string(got) != "-0.000123" {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := appendNumeric(nil, []byte{0, 5}); err == nil {
		t.Fatal("short input must fail, not panic")
	}
}
