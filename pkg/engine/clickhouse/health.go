package clickhouse

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
)

// Health checks DNS, TCP, the handshake (TLS, authentication, database),
// SELECT 1 and read access to the database, then reports the version and
// the capabilities Quarry will use on it. It warns when the user may change
// the limits (readonly 0 or 2 without settings constraints: backstop.go).
func (e *Engine) Health(ctx context.Context) engine.Health {
	s := e.settings
	timeout := time.Duration(s.DialTimeout)
	ctx, cancel := context.WithTimeout(ctx, timeout+10*time.Second)
	defer cancel()
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	if net.ParseIP(s.Host) == nil {
		if _, err := net.DefaultResolver.LookupHost(ctx, s.Host); err != nil {
			return engine.Health{Step: "dns", Message: fmt.Sprintf("cannot resolve host %q: %v", s.Host, err),
				Hint: "check the Host setting; the Grafana server must be able to resolve it"}
		}
	}
	d := net.Dialer{Timeout: timeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return engine.Health{Step: "tcp", Message: fmt.Sprintf("cannot connect to %s: %v", addr, err),
			Hint: "check the Port (native protocol: 9000, TLS 9440), that ClickHouse listens on that address (listen_host) and firewalls"}
	}
	_ = c.Close()
	if err := e.conn.Ping(ctx); err != nil {
		return classifyConnect(err, s)
	}
	var one uint8
	if err := e.conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		return engine.Health{Step: "query", Message: fmt.Sprintf("connected, but SELECT 1 failed: %v", wrapError(err, "SELECT 1")),
			Hint: "check the user's profile and quotas"}
	}
	v, err := e.serverVersion(ctx)
	if err != nil {
		return engine.Health{Step: "query", Message: err.Error()}
	}
	version := versionString(v)
	var tables uint64
	if err := e.conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = currentDatabase()").Scan(&tables); err != nil {
		return engine.Health{Step: "permission", Version: version, Message: fmt.Sprintf("connected, but listing the tables of %q failed: %v", s.Database, wrapError(err, "")),
			Hint: "grant the user SHOW TABLES and SELECT on the database"}
	}
	level, err := e.readonlyLevel(ctx)
	if err != nil {
		return engine.Health{Step: "permission", Version: version, Message: fmt.Sprintf("reading the user's readonly setting failed: %v", wrapError(err, ""))}
	}
	h := engine.Health{OK: true, Version: version, Capabilities: capabilities(version, level),
		Message: fmt.Sprintf("Connected to ClickHouse %s, database %q as %q (%d tables)", version, s.Database, s.User, tables)}
	if w := backstopWarning(level, e.limitsChangeable(ctx, level)); w != "" {
		h.Message += w
		h.Hint = "connect as a user whose profile has readonly=1 and the limits (README, Security: least-privilege user)"
	}
	return h
}

// capabilities lists what Quarry uses on this server version.
func capabilities(version string, readonly int) []string {
	caps := []string{"native protocol", "query cancel", "KILL QUERY"}
	switch readonly {
	case 0:
		caps = append(caps, "readonly=1 per query", "max_execution_time")
	case 2:
		caps = append(caps, "read-only user (readonly=2: a query may change settings)", "max_execution_time")
	default:
		caps = append(caps, "read-only user (readonly=1: settings fixed by the profile)")
	}
	d, err := dialect.New(dialect.ClickHouse, version)
	if err != nil {
		return caps
	}
	for _, c := range []dialect.Capability{dialect.ToStartOfInterval, dialect.DateTime64, dialect.UnixTimestamp64, dialect.Explain, dialect.ExplainEstimate} {
		if d.Has(c) {
			caps = append(caps, c.String())
		}
	}
	if !d.Has(dialect.ExplainEstimate) {
		caps = append(caps, "upper-bound estimates from system.parts")
	}
	return caps
}

// ClickHouse exception codes that name a health step.
var stepByCode = map[int32][2]string{
	516: {"auth", "check the User and Password settings"},        // AUTHENTICATION_FAILED
	192: {"auth", "check the User setting"},                      // UNKNOWN_USER
	193: {"auth", "check the Password setting"},                  // WRONG_PASSWORD
	194: {"auth", "the user needs a password: set Password"},     // REQUIRED_PASSWORD
	195: {"auth", "the user may not connect from this address"},  // IP_ADDRESS_NOT_ALLOWED
	81:  {"database", "check the Database setting"},              // UNKNOWN_DATABASE
	497: {"permission", "grant the user access to the database"}, // ACCESS_DENIED
}

func classifyConnect(err error, s Settings) engine.Health {
	var ex *ch.Exception
	if errors.As(err, &ex) {
		msg := strings.TrimPrefix(ex.Message, "DB::Exception: ")
		if st, ok := stepByCode[ex.Code]; ok {
			if st[0] == "database" {
				msg = fmt.Sprintf("database %q does not exist: %s", s.Database, msg)
			}
			return engine.Health{Step: st[0], Message: msg, Hint: st[1]}
		}
		return engine.Health{Step: "auth", Message: fmt.Sprintf("the server refused the connection: %s (code %d)", msg, ex.Code), Hint: "check the user, password and database"}
	}
	msg := err.Error()
	var ue x509.UnknownAuthorityError
	var he x509.HostnameError
	switch {
	case errors.As(err, &ue):
		return engine.Health{Step: "tls", Message: "the server's certificate is not signed by the configured CA: " + msg, Hint: "paste the CA certificate, or enable Skip TLS verify"}
	case errors.As(err, &he):
		return engine.Health{Step: "tls", Message: "the server's certificate does not match the host name: " + msg, Hint: "set TLS server name, or connect by the certificate's name"}
	case strings.Contains(msg, "tls:") || strings.Contains(msg, "x509:") || strings.Contains(msg, "first record does not look like a TLS handshake"):
		return engine.Health{Step: "tls", Message: "TLS handshake failed: " + msg, Hint: "check Secure and the port: TLS is usually 9440, plain 9000"}
	case strings.Contains(msg, "unexpected packet") || strings.Contains(msg, "EOF"):
		return engine.Health{Step: "tcp", Message: "the server did not speak ClickHouse's native protocol: " + msg, Hint: "check the port (9000/9440 native, not 8123 HTTP) and whether TLS is required"}
	}
	return engine.Health{Step: "tcp", Message: "connecting failed: " + msg, Hint: "check Host, Port and the network path"}
}
