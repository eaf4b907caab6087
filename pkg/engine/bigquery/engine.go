package bigquery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	bq "cloud.google.com/go/bigquery"
	"google.golang.org/api/option"
	htransport "google.golang.org/api/transport/http"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// defaultBasePath is the REST base of the BigQuery API.
const defaultBasePath = "https://bigquery.googleapis.com/bigquery/v2/"

// Engine is a BigQuery connection. It is safe for concurrent use.
type Engine struct {
	settings Settings
	client   *bq.Client
	// hc is the authenticated HTTP client shared with client; result pages
	// and job cancellation go through it directly.
	hc *http.Client
	// transport is hc's base transport, closed with the engine.
	transport *http.Transport
	// base is the REST base URL ending in '/'.
	base string
	// typeMap maps result column types to frame kinds.
	typeMap *frames.TypeMap
	// pageHook, when set (tests, benchmarks), is called after each result
	// page is converted with the table's row count.
	pageHook func(rows int)
	// arrowRead, when set (benchmarks), replaces readArrow on the Storage
	// Read path.
	arrowRead func(ctx context.Context, ai bq.ArrowIterator, caps frames.TableOptions) (*frames.Table, bool, error)
	// cancels counts the queries whose job cancellation may still run
	// (from the job's insert until Query returns, then while the
	// cancellation itself runs); Close waits for them (each cancellation is
	// bounded by its own deadline).
	cancels sync.WaitGroup
}

var _ engine.Engine = (*Engine)(nil)
var _ engine.ProjectLister = (*Engine)(nil)

// New validates the settings and creates the clients. It does not contact
// the server (see Health).
func New(ctx context.Context, s Settings) (*Engine, error) {
	s = s.withDefaults()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	opts := []option.ClientOption{option.WithScopes(bq.Scope)}
	switch {
	case s.ServiceAccountKey != "":
		opts = append(opts, option.WithAuthCredentialsJSON(option.ServiceAccount, []byte(s.ServiceAccountKey)))
	case s.Endpoint != "":
		opts = append(opts, option.WithoutAuthentication())
	}
	if s.Endpoint != "" {
		opts = append(opts, option.WithEndpoint(s.Endpoint))
	}
	// The base transport is ours, so Close can drop its idle connections.
	baseTransport := http.DefaultTransport.(*http.Transport).Clone()
	baseTransport.MaxIdleConnsPerHost = 100
	rt, err := htransport.NewTransport(ctx, baseTransport, opts...)
	if err != nil {
		// The error of the credentials loader does not include key material.
		return nil, fmt.Errorf("bigquery: setting up credentials (%s): %w", authMode(s), err)
	}
	hc := &http.Client{Transport: rt}
	copts := []option.ClientOption{option.WithHTTPClient(hc)}
	if s.Endpoint != "" {
		copts = append(copts, option.WithEndpoint(s.Endpoint))
	}
	client, err := bq.NewClient(ctx, s.Project, copts...)
	if err != nil {
		return nil, fmt.Errorf("bigquery: creating client for project %s: %w", s.Project, err)
	}
	if s.Location != "" {
		client.Location = s.Location
	}
	if s.StorageReadAPI {
		sopts := []option.ClientOption{}
		switch {
		case s.StorageEndpoint != "":
			sopts = append(sopts, option.WithEndpoint(s.StorageEndpoint), option.WithoutAuthentication(),
				option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
		case s.ServiceAccountKey != "":
			sopts = append(sopts, option.WithAuthCredentialsJSON(option.ServiceAccount, []byte(s.ServiceAccountKey)))
		}
		if err := client.EnableStorageReadClient(ctx, sopts...); err != nil {
			_ = client.Close()
			return nil, fmt.Errorf("bigquery: enabling the Storage Read API (%s): %w", authMode(s), err)
		}
	}
	base := defaultBasePath
	if s.Endpoint != "" {
		base = restBase(s.Endpoint)
	}
	return &Engine{settings: s, client: client, hc: hc, transport: baseTransport, base: base, typeMap: newTypeMap()}, nil
}

// restBase turns an endpoint override into the REST base URL: a bare host
// gets the standard "/bigquery/v2/" path (which the emulator serves too).
func restBase(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.Path == "" || u.Path == "/" {
		return strings.TrimSuffix(endpoint, "/") + "/bigquery/v2/"
	}
	return strings.TrimSuffix(endpoint, "/") + "/"
}

func authMode(s Settings) string {
	switch {
	case s.ServiceAccountKey != "":
		return "service-account key"
	case s.Endpoint != "":
		return "no authentication (endpoint override)"
	default:
		return "application default credentials"
	}
}

// Settings returns the engine's settings with defaults applied (the key
// included: do not log the result, use its String method).
func (e *Engine) Settings() Settings { return e.settings }

// Dialect is BigQuery standard SQL.
func (e *Engine) Dialect() sqlplan.Dialect { return sqlplan.BigQuery }

// ServerVersion returns the API flavour: "bigquery-v2" for Google's service,
// "bigquery-emulator" for an endpoint override that is not Google's.
func (e *Engine) ServerVersion(context.Context) (string, error) {
	if e.isEmulator() {
		return "bigquery-emulator", nil
	}
	return "bigquery-v2", nil
}

// isEmulator reports whether the endpoint is not Google's (an emulator or a
// proxy of unknown fidelity): its dry-run statistics are not trusted.
func (e *Engine) isEmulator() bool {
	if e.settings.Endpoint == "" {
		return false
	}
	u, err := url.Parse(e.settings.Endpoint)
	if err != nil {
		return true
	}
	return !strings.HasSuffix(u.Hostname(), ".googleapis.com")
}

func (e *Engine) types() *frames.TypeMap { return e.typeMap }

// Close releases the client.
func (e *Engine) Close() error {
	// A job cancellation sent after its query returned is still billed
	// work on the server if it is dropped: let it finish first. (The SDK
	// disposes an instance from a timer goroutine of its own, so waiting
	// here for queries still running on a replaced instance blocks nobody.)
	e.cancels.Wait()
	err := e.client.Close()
	// The client's HTTP transport keeps idle keep-alive connections (two
	// goroutines each) until they time out; a replaced data source instance
	// should not hold them.
	e.transport.CloseIdleConnections()
	return err
}

// newJobID returns a unique job ID chosen by Quarry, so a job can be
// cancelled even while the insert call that creates it is in flight.
func newJobID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "quarry_" + hex.EncodeToString(b[:])
}
