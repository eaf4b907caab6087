// Package bigquery implements engine.Engine for Google BigQuery: dry-run cost
// estimates, guarded query jobs (maximum bytes billed, statement type check,
// labels, cancellation) and page-pipelined streaming of results into typed
// frame columns.
package bigquery

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/bigtent/quarry/pkg/engine"
)

// Priority is the BigQuery job priority.
type Priority string

// Job priorities.
const (
	PriorityInteractive Priority = "INTERACTIVE"
	PriorityBatch       Priority = "BATCH"
)

// DefaultPricePerTiB is the on-demand price in USD per TiB scanned used for
// estimates when the settings do not say otherwise.
const DefaultPricePerTiB = 6.25

// DefaultQueryTimeout bounds a query when neither the request nor the
// settings give a timeout.
const DefaultQueryTimeout = 5 * time.Minute

// DefaultPageSize is the number of rows asked for per result page.
const DefaultPageSize = 10000

// Settings configure one BigQuery connection. ServiceAccountKey is a secret:
// it is never printed, logged or included in errors.
type Settings struct {
	// ServiceAccountKey is the JSON key of a service account. Empty means
	// Application Default Credentials (including the GCE metadata server).
	ServiceAccountKey string `json:"-"`
	// Project is the default (billing) project for jobs. With a key, the
	// key's project_id is used when Project is empty.
	Project string `json:"defaultProject"`
	// Dataset is the default dataset for unqualified table names (optional).
	Dataset string `json:"defaultDataset,omitempty"`
	// Location is the processing location (e.g. "US", "EU", "europe-west1").
	Location string `json:"processingLocation,omitempty"`
	// Endpoint overrides the API endpoint (e.g. the emulator
	// "http://127.0.0.1:9050"). With an endpoint and no key, requests are
	// sent without authentication.
	Endpoint string `json:"endpoint,omitempty"`
	// Priority is INTERACTIVE (default) or BATCH.
	Priority Priority `json:"priority,omitempty"`
	// MaxBytesBilled is set on every query job (0 = the project's default).
	MaxBytesBilled int64 `json:"maxBytesBilled,omitempty"`
	// PricePerTiB is the USD price per TiB used for estimates (default 6.25).
	PricePerTiB float64 `json:"pricePerTiB,omitempty"`
	// QueryTimeout bounds a query when the request gives no timeout
	// ("30s" or seconds; default 5m).
	QueryTimeout Duration `json:"queryTimeout,omitempty"`
	// PageSize is the number of rows per result page (default 10,000).
	PageSize int `json:"pageSize,omitempty"`
	// Budget refuses a query whose dry-run estimate exceeds it.
	Budget engine.Budget `json:"budget,omitempty"`
	// StorageReadAPI reads results through the BigQuery Storage Read API
	// (Arrow) where the job's results permit it, else REST pages.
	StorageReadAPI bool `json:"storageReadApi,omitempty"`
	// AllowedDatasets, when not empty, are the only datasets ("dataset" in
	// Project, or "project.dataset") a query may read, checked against the
	// tables its dry run reports (trust.go); the planner checks the SQL's
	// table names against the same list.
	AllowedDatasets []string `json:"allowedDatasets,omitempty"`
	// StorageEndpoint overrides the Storage Read API's gRPC address
	// (host:port, plaintext, e.g. the emulator's); empty means Google's.
	StorageEndpoint string `json:"storageEndpoint,omitempty"`
}

// serviceAccountKey is the part of a key file Quarry looks at.
type serviceAccountKey struct {
	Type        string `json:"type"`
	ProjectID   string `json:"project_id"`
	ClientEmail string `json:"client_email"`
	PrivateKey  string `json:"private_key"`
}

// FieldError is a settings validation error for one field.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return "bigquery settings: " + e.Field + ": " + e.Message }

// withDefaults returns a copy with defaults filled in (and the project taken
// from the key when not given).
func (s Settings) withDefaults() Settings {
	if s.Priority == "" {
		s.Priority = PriorityInteractive
	}
	s.Priority = Priority(strings.ToUpper(string(s.Priority)))
	if s.PricePerTiB == 0 {
		s.PricePerTiB = DefaultPricePerTiB
	}
	if s.PageSize == 0 {
		s.PageSize = DefaultPageSize
	}
	if s.QueryTimeout == 0 {
		s.QueryTimeout = Duration(DefaultQueryTimeout)
	}
	if s.Project == "" && s.ServiceAccountKey != "" {
		var k serviceAccountKey
		if json.Unmarshal([]byte(s.ServiceAccountKey), &k) == nil {
			s.Project = k.ProjectID
		}
	}
	return s
}

// Validate checks the settings and returns every problem found, each naming
// the field and what to do. The key's content is never quoted.
func (s Settings) Validate() error {
	s = s.withDefaults()
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if s.ServiceAccountKey != "" {
		var k serviceAccountKey
		if err := json.Unmarshal([]byte(s.ServiceAccountKey), &k); err != nil {
			// Do not wrap err: its text may quote part of the secret.
			add("serviceAccountKey", "is not valid JSON; paste the whole key file downloaded from the Google Cloud console")
		} else {
			if k.Type != "service_account" {
				add("serviceAccountKey", "has type %q, want \"service_account\"; create a key for a service account (IAM > Service accounts > Keys)", k.Type)
			}
			if k.ClientEmail == "" || k.PrivateKey == "" {
				add("serviceAccountKey", "lacks client_email or private_key; paste the whole key file")
			}
		}
	}
	if s.Project == "" {
		add("defaultProject", "is required (the project that runs and pays for query jobs), unless the service-account key names one")
	} else if !validProjectID(s.Project) {
		add("defaultProject", "%q is not a valid project ID (6-30 characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen; an optional \"domain:\" prefix)", s.Project)
	}
	if s.Dataset != "" && !validDatasetID(s.Dataset) {
		add("defaultDataset", "%q is not a valid dataset ID (letters, digits and underscores, at most 1024)", s.Dataset)
	}
	if s.Location != "" && !validLocation(s.Location) {
		add("processingLocation", "%q is not a location name such as US, EU or europe-west1", s.Location)
	}
	if s.Endpoint != "" {
		u, err := url.Parse(s.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("endpoint", "%q is not an http(s) URL such as http://127.0.0.1:9050", s.Endpoint)
		}
	}
	if s.StorageEndpoint != "" {
		if _, _, err := net.SplitHostPort(s.StorageEndpoint); err != nil {
			add("storageEndpoint", "%q is not host:port", s.StorageEndpoint)
		}
	}
	if s.Priority != PriorityInteractive && s.Priority != PriorityBatch {
		add("priority", "%q is not INTERACTIVE or BATCH", s.Priority)
	}
	if s.MaxBytesBilled < 0 {
		add("maxBytesBilled", "must be 0 (project default) or a positive number of bytes, got %d", s.MaxBytesBilled)
	}
	if s.PricePerTiB < 0 {
		add("pricePerTiB", "must be positive, got %g", s.PricePerTiB)
	}
	if s.QueryTimeout < 0 {
		add("queryTimeout", "must not be negative, got %s", s.QueryTimeout)
	}
	if s.PageSize < 0 || s.PageSize > 100000 {
		add("pageSize", "must be between 1 and 100000 rows, got %d", s.PageSize)
	}
	return errors.Join(errs...)
}

// String describes the settings without the secret.
func (s Settings) String() string {
	auth := "application default credentials"
	if s.ServiceAccountKey != "" {
		auth = "service-account key (hidden)"
	} else if s.Endpoint != "" {
		auth = "none (endpoint override)"
	}
	return fmt.Sprintf("bigquery{project=%s location=%s endpoint=%s auth=%s priority=%s maxBytesBilled=%d}",
		s.Project, s.Location, s.Endpoint, auth, s.Priority, s.MaxBytesBilled)
}

// validProjectID is Google's rule for project IDs: 6 to 30 characters, lowercase
// letters, digits and hyphens, starting with a letter and not ending with a hyphen.
// Legacy domain-scoped projects ("example.com:my-project") are checked after the prefix.
func validProjectID(p string) bool {
	if i := strings.LastIndexByte(p, ':'); i >= 0 {
		p = p[i+1:]
	}
	if len(p) < 6 || len(p) > 30 || p[len(p)-1] == '-' {
		return false
	}
	for i, r := range p {
		switch {
		case r >= 'a' && r <= 'z':
		case (r >= '0' && r <= '9' || r == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

func validDatasetID(d string) bool {
	if len(d) == 0 || len(d) > 1024 {
		return false
	}
	for _, r := range d {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func validLocation(l string) bool {
	if len(l) < 2 || len(l) > 64 {
		return false
	}
	for _, r := range l {
		if !(r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
