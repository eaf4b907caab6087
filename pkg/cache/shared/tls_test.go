package shared

import (
	"context"
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/testenv"
)

// TestTLSAndPassword runs the store against a private Redis that serves
// only TLS and requires a password (Debian's redis-server with tls-port and
// requirepass): the CA given as PEM, or skip-verify, shares a value across
// two stores; a wrong CA, a wrong password, no password, or plain redis://
// on the TLS port each fail over to the loader with one warning that holds
// no password.
func TestTLSAndPassword(t *testing.T) {
	const password = "tls-Secr3t-7f2a"
	r := testenv.PrivateRedisTLS(t, password)
	if !strings.HasPrefix(r.URL, "rediss://") || r.CACert == "" {
		t.Fatalf("private TLS redis: URL %q, CA %d bytes", r.URL, len(r.CACert))
	}
	load := func(v string) func(context.Context) ([]byte, error) {
		return func(context.Context) ([]byte, error) { return []byte(v), nil }
	}

	t.Run("verified", func(t *testing.T) {
		prefix := "quarry-test:" + uniq() + ":"
		withCA := func(o *Options) { o.Prefix, o.Password, o.TLSCACert = prefix, password, r.CACert }
		a, ca, _ := newStore(t, r.URL, withCA)
		b, cb, _ := newStore(t, r.URL, withCA)
		if v, o, err := a.Do(context.Background(), "k", load("first")); err != nil || string(v) != "first" || o != Miss {
			t.Fatalf("first store: %q %v %v; want its own load (miss)", v, o, err)
		}
		if v, o, err := b.Do(context.Background(), "k", load("second")); err != nil || string(v) != "first" || o != Hit {
			t.Fatalf("second store: %q %v %v; want the first store's value from Redis over TLS (hit)", v, o, err)
		}
		if len(ca.errors)+len(cb.errors) != 0 {
			t.Fatalf("Redis errors over TLS: %v %v", ca.errors, cb.errors)
		}
	})

	t.Run("skip verify", func(t *testing.T) {
		prefix := "quarry-test:" + uniq() + ":"
		a, _, _ := newStore(t, r.URL, func(o *Options) { o.Prefix, o.Password = prefix, password })
		b, _, _ := newStore(t, r.URL, func(o *Options) { o.Prefix, o.Password, o.TLSSkipVerify = prefix, password, true })
		// Without the CA (system roots only) the certificate is refused.
		if _, o, err := a.Do(context.Background(), "k", load("a")); err != nil || o != Failover {
			t.Fatalf("unknown CA: outcome %v, err %v; want failover", o, err)
		}
		if v, o, err := b.Do(context.Background(), "k", load("b")); err != nil || string(v) != "b" || o != Miss {
			t.Fatalf("skip-verify: %q %v %v; want a load through Redis (miss)", v, o, err)
		}
	})

	other, err := testenv.TestCA() // a valid CA that signed nothing here
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		url  string
		mod  func(*Options)
		want string // in the warning
	}{
		{"wrong CA", r.URL, func(o *Options) { o.Password, o.TLSCACert = password, other }, "certificate"},
		{"wrong password", r.URL, func(o *Options) { o.Password, o.TLSCACert = "not-"+password, r.CACert }, "WRONGPASS"},
		{"no password", r.URL, func(o *Options) { o.TLSCACert = r.CACert }, "NOAUTH"},
		{"plain on the TLS port", strings.Replace(r.URL, "rediss://", "redis://", 1), func(o *Options) { o.Password = password }, "Redis failed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, cnt, l := newStore(t, c.url, c.mod)
			v, o, err := s.Do(context.Background(), "k", load("own"))
			if err != nil || string(v) != "own" || o != Failover {
				t.Fatalf("%q %v %v; want the loader's value after failover", v, o, err)
			}
			logs := l.String()
			if strings.Count(logs, "WARN") != 1 || !strings.Contains(logs, c.want) {
				t.Fatalf("want one warning naming %q:\n%s", c.want, logs)
			}
			if strings.Contains(logs, password) || strings.Contains(logs, "not-"+password) {
				t.Fatalf("the warning holds the password:\n%s", logs)
			}
			if len(cnt.errors) == 0 {
				t.Fatalf("no Redis error counted")
			}
		})
	}
}
