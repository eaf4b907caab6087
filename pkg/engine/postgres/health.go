package postgres

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bigtent/quarry/pkg/engine"
)

// Health checks each step of reaching the database: DNS, TCP, TLS,
// authentication, the database, permissions and a trivial query. A failure
// names the step and says what to do; no secret appears in it.
func (e *Engine) Health(ctx context.Context) engine.Health {
	s := e.settings
	timeout := time.Duration(s.ConnectTimeout)
	ctx, cancel := context.WithTimeout(ctx, timeout+5*time.Second)
	defer cancel()
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))

	if net.ParseIP(s.Host) == nil && !strings.HasPrefix(s.Host, "/") {
		if _, err := net.DefaultResolver.LookupHost(ctx, s.Host); err != nil {
			return engine.Health{Step: "dns", Message: fmt.Sprintf("cannot resolve host %q: %v", s.Host, err),
				Hint: "check the Host setting; the Grafana server must be able to resolve it (try nslookup from that machine)"}
		}
	}
	d := net.Dialer{Timeout: timeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return engine.Health{Step: "tcp", Message: fmt.Sprintf("cannot connect to %s: %v", addr, err),
			Hint: "check the Port, that PostgreSQL listens on that address (listen_addresses) and that no firewall blocks it"}
	}
	_ = c.Close()

	e.session.ready(ctx, e.pool)
	conn, err := e.pool.Acquire(ctx)
	if err != nil {
		return classifyConnect(err, s)
	}
	defer conn.Release()
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		return engine.Health{Step: "query", Message: fmt.Sprintf("connected, but SELECT 1 failed: %v", wrapPgError(err, "SELECT 1")),
			Hint: "check that the user may run queries (default_transaction_read_only is fine)"}
	}
	var (
		version string
		num     int
		exts    []string
		schemas int
	)
	err = conn.QueryRow(ctx, `SELECT current_setting('server_version'), current_setting('server_version_num')::int,
  ARRAY(SELECT extname::text FROM pg_extension ORDER BY 1),
  (SELECT count(*)::int FROM pg_namespace WHERE nspname NOT IN ('pg_catalog','information_schema')
     AND nspname NOT LIKE 'pg\_%' AND has_schema_privilege(oid, 'USAGE'))`).Scan(&version, &num, &exts, &schemas)
	if err != nil {
		return engine.Health{Step: "permission", Message: fmt.Sprintf("connected, but reading the server version and catalog failed: %v", wrapPgError(err, "")),
			Hint: "grant the user read access to the system catalogs"}
	}
	e.mu.Lock()
	e.version = version
	e.mu.Unlock()
	caps := []string{"READ ONLY transactions", "cancel request", "statement_timeout", "EXPLAIN (FORMAT JSON)"}
	if num >= 100000 {
		caps = append(caps, "declarative partitioning")
	}
	for _, x := range exts {
		switch x {
		case "timescaledb":
			caps = append(caps, "TimescaleDB")
		case "postgis":
			caps = append(caps, "PostGIS")
		}
	}
	h := engine.Health{OK: true, Version: version, Capabilities: caps,
		Message: fmt.Sprintf("Connected to PostgreSQL %s, database %q as %q", version, s.Database, s.User)}
	if risky := riskyRoles(ctx, conn.Conn()); len(risky) > 0 {
		h.Message += fmt.Sprintf(". Warning: the user is %s, so only Quarry's planner stands between a query and the server's files and programs",
			strings.Join(risky, " and "))
		h.Hint = "connect as a least-privilege role (README, Security): no superuser, no pg_read_server_files, pg_write_server_files or pg_execute_server_program"
	}
	if schemas == 0 {
		h.OK = false
		h.Step = "permission"
		h.Message += ", but the user may not use any schema"
		h.Hint = "GRANT USAGE ON SCHEMA <schema> TO the user, and SELECT on its tables"
	}
	return h
}

// classifyConnect maps a connection failure to its step.
func classifyConnect(err error, s Settings) engine.Health {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01":
			return engine.Health{Step: "auth", Message: fmt.Sprintf("authentication failed for user %q", s.User),
				Hint: "check the User and Password settings"}
		case "28000":
			return engine.Health{Step: "auth", Message: fmt.Sprintf("the server rejected user %q: %s", s.User, pe.Message),
				Hint: "the server's pg_hba.conf must allow this user, database and address (and SSL mode)"}
		case "3D000":
			return engine.Health{Step: "database", Message: fmt.Sprintf("database %q does not exist", s.Database),
				Hint: "check the Database setting (database names are case-sensitive)"}
		case "42501":
			return engine.Health{Step: "permission", Message: fmt.Sprintf("user %q may not connect to database %q: %s", s.User, s.Database, pe.Message),
				Hint: "GRANT CONNECT ON DATABASE to the user"}
		}
		return engine.Health{Step: "auth", Message: "connecting failed: " + pe.Error(), Hint: "check the connection settings"}
	}
	msg := err.Error()
	var ue x509.UnknownAuthorityError
	var he x509.HostnameError
	switch {
	case errors.As(err, &ue) || strings.Contains(msg, "certificate signed by unknown authority"):
		return engine.Health{Step: "tls", Message: "the server's certificate is not signed by the configured CA: " + msg,
			Hint: "paste the CA that signed the server certificate, or use SSL mode require to skip verification"}
	case errors.As(err, &he) || strings.Contains(msg, "certificate is valid for"):
		return engine.Health{Step: "tls", Message: "the server's certificate does not match the host name: " + msg,
			Hint: "connect by the name in the certificate, or use SSL mode verify-ca"}
	case strings.Contains(msg, "server refused TLS"):
		return engine.Health{Step: "tls", Message: "the server does not accept TLS connections",
			Hint: "enable ssl on the server, or choose SSL mode disable or prefer"}
	case strings.Contains(msg, "tls:") || strings.Contains(msg, "x509:"):
		return engine.Health{Step: "tls", Message: "TLS handshake failed: " + msg,
			Hint: "check the SSL mode and certificates"}
	case strings.Contains(msg, "password") || strings.Contains(msg, "SASL"):
		return engine.Health{Step: "auth", Message: "authentication failed: " + msg, Hint: "check the User and Password settings"}
	}
	return engine.Health{Step: "tcp", Message: "connecting failed: " + msg, Hint: "check Host, Port and the network path to the server"}
}

// riskyRoles names what makes the connected role more powerful than a
// reader: superuser, and membership in the roles that read or write server
// files or run server programs. A failed lookup names nothing.
func riskyRoles(ctx context.Context, conn *pgx.Conn) []string {
	var super, readFiles, writeFiles, execProg bool
	err := conn.QueryRow(ctx, `SELECT r.rolsuper,
  COALESCE(pg_has_role(current_user, 'pg_read_server_files', 'MEMBER'), false),
  COALESCE(pg_has_role(current_user, 'pg_write_server_files', 'MEMBER'), false),
  COALESCE(pg_has_role(current_user, 'pg_execute_server_program', 'MEMBER'), false)
FROM pg_roles r WHERE r.rolname = current_user`).Scan(&super, &readFiles, &writeFiles, &execProg)
	if err != nil {
		return nil
	}
	var out []string
	if super {
		return []string{"a superuser"}
	}
	if readFiles {
		out = append(out, "a member of pg_read_server_files")
	}
	if writeFiles {
		out = append(out, "a member of pg_write_server_files")
	}
	if execProg {
		out = append(out, "a member of pg_execute_server_program")
	}
	return out
}
