package bigquery

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"testing"

	"google.golang.org/api/googleapi"
)

func TestClassify(t *testing.T) {
	s := Settings{Project: "quarry"}
	gerr := func(code int, reason, msg string) error {
		return fmt.Errorf("wrapped: %w", &googleapi.Error{Code: code, Message: msg, Errors: []googleapi.ErrorItem{{Reason: reason}}})
	}
	tests := []struct {
		err  error
		step string
	}{
		{&net.DNSError{Name: "bq.example", Err: "no such host"}, "dns"},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, "tcp"},
		{fmt.Errorf("x: %w", x509.UnknownAuthorityError{}), "tls"},
		{gerr(401, "unauthorized", "Request had invalid authentication credentials"), "auth"},
		{gerr(403, "accessDenied", "Access Denied: Project quarry"), "permission"},
		{gerr(403, "billingNotEnabled", "Billing has not been enabled"), "permission"},
		{gerr(404, "notFound", "Not found: Dataset quarry:nope"), "database"},
		{gerr(404, "notFound", "Not found: Project nope"), "database"},
		{gerr(400, "invalidQuery", "Unrecognized name: nope at [1:8]"), "query"},
		{errors.New("google: could not find default credentials"), "auth"},
		{context.DeadlineExceeded, "tcp"},
	}
	for _, tc := range tests {
		f := classify(tc.err, s)
		if f.Step != tc.step {
			t.Errorf("classify(%v) = %q, want %q", tc.err, f.Step, tc.step)
		}
		if tc.step != "query" && f.Hint == "" {
			t.Errorf("classify(%v): no hint", tc.err)
		}
	}
}
