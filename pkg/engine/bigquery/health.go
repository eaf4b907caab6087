package bigquery

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"google.golang.org/api/iterator"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// Health checks the connection step by step (DNS, TCP, TLS, credentials and
// permission, project, default dataset) and runs SELECT 1. A failure names
// the step and says what to do.
func (e *Engine) Health(ctx context.Context) engine.Health {
	fail := func(step, msg, hint string) engine.Health {
		return engine.Health{OK: false, Step: step, Message: msg, Hint: hint}
	}
	failErr := func(what string, err error) engine.Health {
		f := classify(err, e.settings)
		return fail(f.Step, what+": "+apiMessage(err), f.Hint)
	}

	host, port, secure := e.hostPort()
	if net.ParseIP(host) == nil {
		if _, err := net.DefaultResolver.LookupHost(ctx, host); err != nil {
			return fail("dns", fmt.Sprintf("cannot resolve %s: %v", host, err),
				"check the endpoint host name and this machine's DNS settings")
		}
	}
	d := net.Dialer{Timeout: 10 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return fail("tcp", fmt.Sprintf("cannot connect to %s:%s: %v", host, port, err),
			"check that the endpoint is reachable (firewall, proxy, emulator running)")
	}
	if secure {
		tc := tls.Client(conn, &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12})
		err = tc.HandshakeContext(ctx)
		_ = tc.Close()
		if err != nil {
			return fail("tls", fmt.Sprintf("TLS handshake with %s failed: %v", host, err),
				"check the system CA certificates and any TLS-intercepting proxy")
		}
	} else {
		_ = conn.Close()
	}

	// Credentials, permission and the project: list one dataset.
	it := e.client.Datasets(ctx)
	it.PageInfo().MaxSize = 1
	if _, err := it.Next(); err != nil && !errors.Is(err, iterator.Done) {
		return failErr("listing datasets of project "+e.settings.Project, err)
	}
	if e.settings.Dataset != "" {
		if _, err := e.client.Dataset(e.settings.Dataset).Metadata(ctx); err != nil {
			h := failErr("default dataset "+e.settings.Dataset, err)
			if isNotFound(err) {
				h.Step = "database"
				h.Hint = "dataset " + e.settings.Dataset + " does not exist in project " + e.settings.Project + "; fix the default dataset"
			}
			return h
		}
	}

	// A trivial query through the same path as panel queries.
	t, _, err := e.Query(ctx, &sqlplan.Plan{SQL: "SELECT 1 AS ok", Statement: "select"}, engine.QueryOptions{Timeout: 30 * time.Second})
	if err != nil {
		f := classify(err, e.settings)
		return fail(f.Step, "running SELECT 1: "+err.Error(), f.Hint)
	}
	if t.Len() != 1 {
		return fail("query", fmt.Sprintf("SELECT 1 returned %d rows", t.Len()), "the endpoint does not behave like BigQuery")
	}
	version, _ := e.ServerVersion(ctx)
	caps := []string{"job labels", "job cancel", "paged results (pipelined)"}
	if e.settings.MaxBytesBilled > 0 {
		caps = append(caps, fmt.Sprintf("maximumBytesBilled %d", e.settings.MaxBytesBilled))
	}
	msg := fmt.Sprintf("BigQuery project %s is reachable and SELECT 1 ran", e.settings.Project)
	if e.isEmulator() {
		caps = append(caps, "dry run (validation only: the emulator reports no bytes scanned)")
		msg += " (emulator at " + e.settings.Endpoint + ": no cost estimates)"
	} else {
		caps = append(caps, "dry run", "dollar estimates")
	}
	if e.settings.StorageReadAPI {
		caps = append(caps, "storage read API (Arrow; REST pages when a job's results cannot be read with it)")
	}
	if e.settings.Priority == PriorityBatch {
		caps = append(caps, "BATCH priority")
	}
	return engine.Health{OK: true, Version: version, Capabilities: caps, Message: msg}
}

// hostPort is the API host, port and whether TLS is used.
func (e *Engine) hostPort() (host, port string, secure bool) {
	if e.settings.Endpoint == "" {
		return "bigquery.googleapis.com", "443", true
	}
	u, err := url.Parse(e.settings.Endpoint)
	if err != nil {
		return e.settings.Endpoint, "443", true
	}
	secure = u.Scheme == "https"
	port = u.Port()
	if port == "" {
		port = "80"
		if secure {
			port = "443"
		}
	}
	return u.Hostname(), port, secure
}
