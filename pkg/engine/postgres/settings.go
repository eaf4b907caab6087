package postgres

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/bigtent/quarry/pkg/engine"
	"strings"
	"time"
)

// Settings are the data source's PostgreSQL settings (Grafana jsonData).
type Settings struct {
	Host     string `json:"host"`
	Port     int    `json:"port,omitempty"`
	Database string `json:"database"`
	User     string `json:"user"`
	// SSLMode is disable, prefer, require, verify-ca or verify-full.
	SSLMode string `json:"sslmode,omitempty"`
	// SSLRootCert is the PEM CA bundle (verify-ca, verify-full).
	SSLRootCert string `json:"sslRootCert,omitempty"`
	// SSLCert is the PEM client certificate (its key is a secret).
	SSLCert string `json:"sslCert,omitempty"`
	// MaxConns is the pool size (default 10).
	MaxConns int `json:"maxConns,omitempty"`
	// ConnMaxLifetime bounds a connection's age ("1h" or seconds; default 1h).
	ConnMaxLifetime Duration `json:"connMaxLifetime,omitempty"`
	// QueryTimeout bounds each query ("30s" or seconds; default 30s).
	QueryTimeout Duration `json:"queryTimeout,omitempty"`
	// ConnectTimeout bounds connecting (default 10s).
	ConnectTimeout Duration `json:"connectTimeout,omitempty"`
}

// Secrets are the data source's secure settings.
type Secrets struct {
	Password string `json:"password,omitempty"`
	// SSLKey is the PEM private key of SSLCert.
	SSLKey string `json:"sslKey,omitempty"`
}

// Defaults.
const (
	DefaultPort            = 5432
	DefaultMaxConns        = 10
	DefaultConnMaxLifetime = time.Hour
	DefaultQueryTimeout    = 30 * time.Second
	DefaultConnectTimeout  = 10 * time.Second
)

// Duration is a settings duration in JSON ("30s" or a number of seconds).
type Duration = engine.Duration

// ParseSettings decodes jsonData.
func ParseSettings(jsonData []byte) (Settings, error) {
	var s Settings
	if len(jsonData) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(jsonData, &s); err != nil {
		return s, fmt.Errorf("postgres settings: %w", err)
	}
	return s, nil
}

// WithDefaults fills unset fields.
func (s Settings) WithDefaults() Settings {
	if s.Port == 0 {
		s.Port = DefaultPort
	}
	if s.SSLMode == "" {
		s.SSLMode = "prefer"
	}
	if s.MaxConns == 0 {
		s.MaxConns = DefaultMaxConns
	}
	if s.ConnMaxLifetime == 0 {
		s.ConnMaxLifetime = Duration(DefaultConnMaxLifetime)
	}
	if s.QueryTimeout == 0 {
		s.QueryTimeout = Duration(DefaultQueryTimeout)
	}
	if s.ConnectTimeout == 0 {
		s.ConnectTimeout = Duration(DefaultConnectTimeout)
	}
	return s
}

// Validate reports every problem with the settings at once, each saying
// which field and what to do.
func (s Settings) Validate(sec Secrets) error {
	s = s.WithDefaults()
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if strings.TrimSpace(s.Host) == "" {
		add("Host is required: the server's name or address, e.g. db.example.com")
	} else if strings.ContainsAny(s.Host, " /?#") || strings.Contains(s.Host, "://") {
		add("Host %q must be a bare host name or address (no scheme, path or port)", s.Host)
	}
	if s.Port < 1 || s.Port > 65535 {
		add("Port %d is out of range: use 1-65535 (PostgreSQL's default is 5432)", s.Port)
	}
	if strings.TrimSpace(s.Database) == "" {
		add("Database is required")
	}
	if strings.TrimSpace(s.User) == "" {
		add("User is required")
	}
	switch s.SSLMode {
	case "disable", "prefer", "require", "verify-ca", "verify-full":
	default:
		add("SSL mode %q is not supported: use disable, prefer, require, verify-ca or verify-full", s.SSLMode)
	}
	if s.SSLMode == "verify-ca" || s.SSLMode == "verify-full" {
		if strings.TrimSpace(s.SSLRootCert) == "" {
			add("SSL mode %s needs the CA certificate (PEM) that signed the server's certificate", s.SSLMode)
		} else if !x509.NewCertPool().AppendCertsFromPEM([]byte(s.SSLRootCert)) {
			add("CA certificate is not valid PEM: paste the whole -----BEGIN CERTIFICATE----- block")
		}
	}
	if (s.SSLCert == "") != (sec.SSLKey == "") {
		add("client certificate and client key go together: set both or neither")
	} else if s.SSLCert != "" {
		if _, err := tls.X509KeyPair([]byte(s.SSLCert), []byte(sec.SSLKey)); err != nil {
			add("client certificate and key do not form a valid pair (PEM expected)")
		}
		if s.SSLMode == "disable" {
			add("a client certificate needs TLS: choose an SSL mode other than disable")
		}
	}
	if s.MaxConns < 1 || s.MaxConns > 1000 {
		add("Max connections %d is out of range: use 1-1000", s.MaxConns)
	}
	if s.ConnMaxLifetime < 0 {
		add("Connection lifetime must not be negative")
	}
	if s.QueryTimeout < 0 || s.ConnectTimeout < 0 {
		add("timeouts must not be negative")
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid PostgreSQL settings: %w", errors.Join(errs...))
}

// tlsConfig builds the TLS configuration for the SSL mode (nil = plain).
func (s Settings) tlsConfig(sec Secrets) (*tls.Config, error) {
	if s.SSLMode == "disable" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.SSLCert != "" {
		pair, err := tls.X509KeyPair([]byte(s.SSLCert), []byte(sec.SSLKey))
		if err != nil {
			return nil, errors.New("client certificate and key do not form a valid pair")
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	switch s.SSLMode {
	case "prefer", "require":
		cfg.InsecureSkipVerify = true // encryption only, as libpq's require
	case "verify-ca", "verify-full":
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(s.SSLRootCert)) {
			return nil, errors.New("CA certificate is not valid PEM")
		}
		cfg.RootCAs = pool
		if s.SSLMode == "verify-full" {
			cfg.ServerName = s.Host
		} else {
			// verify-ca: check the chain, not the host name.
			cfg.InsecureSkipVerify = true
			cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
				if len(raw) == 0 {
					return errors.New("server sent no certificate")
				}
				certs := make([]*x509.Certificate, len(raw))
				for i, r := range raw {
					c, err := x509.ParseCertificate(r)
					if err != nil {
						return fmt.Errorf("server certificate: %w", err)
					}
					certs[i] = c
				}
				inter := x509.NewCertPool()
				for _, c := range certs[1:] {
					inter.AddCert(c)
				}
				_, err := certs[0].Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter})
				return err
			}
		}
	}
	return cfg, nil
}
