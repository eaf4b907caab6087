package plugin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/bigtent/quarry/pkg/engine"
)

func TestRedactText(t *testing.T) {
	for _, tc := range []struct {
		name    string
		secrets []string
		in      string
		want    string
	}{
		{"long secret anywhere", []string{"hunter2secret"}, `auth failed for "xhunter2secretx"`, `auth failed for "x[redacted]x"`},
		{"short secret as a token", []string{"pw"}, "password authentication failed: pw is wrong; 'pw' :pw@",
			"password authentication failed: [redacted] is wrong; '[redacted]' :[redacted]@"},
		{"short secret inside words stays", []string{"pw"}, "column pwd does not exist; upwards; pw_x; x_pw; pw2",
			"column pwd does not exist; upwards; pw_x; x_pw; pw2"},
		{"one-character secret", []string{"7"}, "row 17: value 7 (x7)", "row 17: value [redacted] (x7)"},
		{"secret with symbols", []string{"p@ss/w"}, "dial p@ss/w and p%40ss%2Fw and p@ss%2Fw", "dial [redacted] and [redacted] and [redacted]"},
		{"URL user password of any value", nil, "dial postgres://alice:not-a-known-secret@db:5432/x?sslmode=disable failed",
			"dial postgres://alice:[redacted]@db:5432/x?sslmode=disable failed"},
		{"URL without password", nil, "dial postgres://alice@db:5432/x and https://example.com:8443/a",
			"dial postgres://alice@db:5432/x and https://example.com:8443/a"},
		{"two URLs", nil, "a://u:p@h/ b://v:q@i", "a://u:[redacted]@h/ b://v:[redacted]@i"},
		{"password fields", nil, "host=db password=abc user=x; PWD='x y' secret=\"s\" token=t&next=1",
			"host=db password=[redacted] user=x; PWD='[redacted]' secret=\"[redacted]\" token=[redacted]&next=1"},
		{"prose about passwords stays", nil, "password authentication failed for user \"alice\"; a password= must be set",
			"password authentication failed for user \"alice\"; a password= must be set"},
		{"key suffix only", nil, "mypassword=1 old_pwd=2", "mypassword=1 old_pwd=2"},
		{"empty secret ignored", []string{""}, "nothing here", "nothing here"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := redactText(tc.in, tc.secrets); got != tc.want {
				t.Errorf("redactText(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRedactErrKeepsTheChain(t *testing.T) {
	base := errors.New("connect: password=pw rejected for pw")
	err := redactErr(fmt.Errorf("open: %w", base), []string{"pw"})
	if strings.Contains(err.Error(), "pw ") || !strings.Contains(err.Error(), "password=[redacted] rejected for [redacted]") {
		t.Fatalf("redacted error %q", err)
	}
	if !errors.Is(err, base) {
		t.Fatal("redaction lost the error chain")
	}
	if redactErr(nil, []string{"pw"}) != nil {
		t.Fatal("nil error became non-nil")
	}
}

// leakyHealth is a narrow fake: its health message quotes the password,
// as a driver's error might.
type leakyHealth struct{ closedEngine }

func (leakyHealth) Health(context.Context) engine.Health {
	return engine.Health{Step: "auth", Message: `user "alice" with password pw rejected (dsn user=alice password=pw)`, Hint: "check pw"}
}

// TestShortSecretsRedactedInHealth: a short password (any length counts)
// is removed from health messages, which quote the engine's error text.
func TestShortSecretsRedactedInHealth(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{"engine":"postgres"}`), map[string]string{"password": "pw"})
	if err != nil {
		t.Fatal(err)
	}
	h := NewService(cfg, leakyHealth{}, Deps{Logger: log.NewNullLogger()}).Health(context.Background())
	want := `user "alice" with password [redacted] rejected (dsn user=alice password=[redacted])`
	if h.Message != want || h.Hint != "check [redacted]" {
		t.Fatalf("health message %q hint %q\nwant %q", h.Message, h.Hint, want)
	}
}
