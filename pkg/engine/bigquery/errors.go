package bigquery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"

	"google.golang.org/api/googleapi"
)

// failure is a classified error: the step that failed and what to do.
type failure struct {
	Step string // dns, tcp, tls, auth, permission, database, query
	Hint string
}

// classify maps a client error to a health step and a hint.
func classify(err error, s Settings) failure {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var gerr *googleapi.Error
	switch {
	case errors.As(err, &dnsErr):
		return failure{"dns", fmt.Sprintf("the host %q does not resolve; check the endpoint and the machine's DNS", dnsErr.Name)}
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr):
		return failure{"tls", "the server's TLS certificate is not trusted; check the endpoint and the system's CA certificates"}
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return failure{"tcp", "cannot connect to " + endpointOrDefault(s) + "; check the endpoint, firewalls and proxies"}
	case errors.As(err, &gerr):
		reason := ""
		if len(gerr.Errors) > 0 {
			reason = gerr.Errors[0].Reason
		}
		switch {
		case gerr.Code == 401:
			return failure{"auth", "the credentials were rejected; paste a current service-account key or refresh the application default credentials"}
		case gerr.Code == 403 && (reason == "accessDenied" || reason == "forbidden" || reason == ""):
			return failure{"permission", "grant the account roles/bigquery.jobUser on project " + s.Project + " and roles/bigquery.dataViewer on the datasets it reads"}
		case gerr.Code == 403 && reason == "billingNotEnabled":
			return failure{"permission", "enable billing on project " + s.Project + " or use a project with billing"}
		case gerr.Code == 403:
			return failure{"permission", "the request was refused (" + reason + "); check quotas and the account's roles"}
		case gerr.Code == 404 && strings.Contains(strings.ToLower(gerr.Message), "dataset"):
			return failure{"database", "the dataset does not exist in project " + s.Project + " (or the account cannot see it); check the default dataset"}
		case gerr.Code == 404:
			return failure{"database", "project " + s.Project + " was not found (or the account cannot see it); check the default project"}
		case gerr.Code == 400:
			return failure{"query", "fix the query; the message says where"}
		}
		return failure{"query", "the BigQuery API returned HTTP " + fmt.Sprint(gerr.Code)}
	case strings.Contains(err.Error(), "could not find default credentials"), strings.Contains(err.Error(), "credentials"):
		return failure{"auth", "no credentials found: paste a service-account key, or run on GCP / set GOOGLE_APPLICATION_CREDENTIALS for application default credentials"}
	case errors.Is(err, context.DeadlineExceeded):
		return failure{"tcp", "no answer from " + endpointOrDefault(s) + " in time"}
	}
	return failure{"query", ""}
}

func endpointOrDefault(s Settings) string {
	if s.Endpoint != "" {
		return s.Endpoint
	}
	return "bigquery.googleapis.com"
}

// apiMessage returns the human part of a googleapi error (without the URL
// noise) or err's text.
func apiMessage(err error) string {
	var gerr *googleapi.Error
	if errors.As(err, &gerr) {
		if gerr.Message != "" {
			return gerr.Message
		}
		if len(gerr.Errors) > 0 {
			return gerr.Errors[0].Message
		}
	}
	return err.Error()
}

// isNotFound reports a 404 from the API.
func isNotFound(err error) bool {
	var gerr *googleapi.Error
	return errors.As(err, &gerr) && gerr.Code == 404
}
