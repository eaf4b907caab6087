package clickhouse

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/bigtent/quarry/pkg/engine"
)

// Settings are the data source's ClickHouse settings (Grafana jsonData).
type Settings struct {
	Host string `json:"host"`
	// Port is the native protocol port (default 9000, or 9440 with TLS).
	Port     int    `json:"port,omitempty"`
	Database string `json:"database,omitempty"`
	User     string `json:"user,omitempty"`
	// Secure enables TLS. TLSSkipVerify encrypts without checking the
	// server certificate. TLSCACert (PEM) is the CA to trust; TLSClientCert
	// (PEM) with the secret TLSClientKey enables mTLS.
	Secure        bool   `json:"secure,omitempty"`
	TLSSkipVerify bool   `json:"tlsSkipVerify,omitempty"`
	TLSServerName string `json:"tlsServerName,omitempty"`
	TLSCACert     string `json:"tlsCACert,omitempty"`
	TLSClientCert string `json:"tlsClientCert,omitempty"`
	// DialTimeout bounds connecting ("10s" or seconds; default 10s).
	DialTimeout Duration `json:"dialTimeout,omitempty"`
	// QueryTimeout bounds each query ("30s" or seconds; default 30s).
	QueryTimeout Duration `json:"queryTimeout,omitempty"`
	// MaxOpenConns is the pool size (default 10).
	MaxOpenConns int `json:"maxOpenConns,omitempty"`
	// Compression is the native protocol's block compression: lz4 (the
	// default, as clickhouse-client's), zstd, or none. Compression trades
	// CPU on both ends for bytes on the wire: on a fast or local link none
	// is quicker.
	Compression string `json:"compression,omitempty"`
}

// Secrets are the data source's secure settings.
type Secrets struct {
	Password     string `json:"password,omitempty"`
	TLSClientKey string `json:"tlsClientKey,omitempty"`
}

// Defaults.
const (
	DefaultPort         = 9000
	DefaultSecurePort   = 9440
	DefaultDialTimeout  = 10 * time.Second
	DefaultQueryTimeout = 30 * time.Second
	DefaultMaxOpenConns = 10
	DefaultCompression  = "lz4"
)

// compressions are the Compression values and the driver's methods.
var compressions = map[string]ch.CompressionMethod{"lz4": ch.CompressionLZ4, "zstd": ch.CompressionZSTD, "none": ch.CompressionNone}

// Duration is a settings duration in JSON ("30s" or a number of seconds).
type Duration = engine.Duration

// ParseSettings decodes jsonData.
func ParseSettings(jsonData []byte) (Settings, error) {
	var s Settings
	if len(jsonData) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(jsonData, &s); err != nil {
		return s, fmt.Errorf("clickhouse settings: %w", err)
	}
	return s, nil
}

// WithDefaults fills unset fields.
func (s Settings) WithDefaults() Settings {
	if s.Port == 0 {
		s.Port = DefaultPort
		if s.Secure {
			s.Port = DefaultSecurePort
		}
	}
	if s.User == "" {
		s.User = "default"
	}
	if s.Database == "" {
		s.Database = "default"
	}
	if s.DialTimeout == 0 {
		s.DialTimeout = Duration(DefaultDialTimeout)
	}
	if s.QueryTimeout == 0 {
		s.QueryTimeout = Duration(DefaultQueryTimeout)
	}
	if s.MaxOpenConns == 0 {
		s.MaxOpenConns = DefaultMaxOpenConns
	}
	if s.Compression == "" {
		s.Compression = DefaultCompression
	}
	return s
}

// Validate reports every problem at once, each naming the field and what
// to do.
func (s Settings) Validate(sec Secrets) error {
	s = s.WithDefaults()
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if strings.TrimSpace(s.Host) == "" {
		add("Host is required: the server's name or address, e.g. clickhouse.example.com")
	} else if strings.Contains(s.Host, "://") || strings.ContainsAny(s.Host, " /?#") {
		add("Host %q must be a bare host name or address (no scheme, path or port)", s.Host)
	}
	if s.Port < 1 || s.Port > 65535 {
		add("Port %d is out of range: use 1-65535 (native protocol: 9000, or 9440 with TLS)", s.Port)
	}
	if s.Port == 8123 || s.Port == 8443 {
		add("Port %d is ClickHouse's HTTP port; Quarry speaks the native protocol (9000, or 9440 with TLS)", s.Port)
	}
	if !s.Secure && (s.TLSCACert != "" || s.TLSClientCert != "" || s.TLSSkipVerify) {
		add("TLS options are set but Secure is off: enable Secure to use TLS")
	}
	if s.TLSCACert != "" && !x509.NewCertPool().AppendCertsFromPEM([]byte(s.TLSCACert)) {
		add("CA certificate is not valid PEM: paste the whole -----BEGIN CERTIFICATE----- block")
	}
	if (s.TLSClientCert == "") != (sec.TLSClientKey == "") {
		add("client certificate and client key go together: set both or neither")
	} else if s.TLSClientCert != "" {
		if _, err := tls.X509KeyPair([]byte(s.TLSClientCert), []byte(sec.TLSClientKey)); err != nil {
			add("client certificate and key do not form a valid pair (PEM expected)")
		}
	}
	if s.DialTimeout < 0 || s.QueryTimeout < 0 {
		add("timeouts must not be negative")
	}
	if s.MaxOpenConns < 1 || s.MaxOpenConns > 1000 {
		add("Max open connections %d is out of range: use 1-1000", s.MaxOpenConns)
	}
	if _, ok := compressions[s.Compression]; !ok {
		add("Compression %q is not known: use lz4, zstd or none", s.Compression)
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid ClickHouse settings: %w", errors.Join(errs...))
}

func (s Settings) tlsConfig(sec Secrets) (*tls.Config, error) {
	if !s.Secure {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: s.TLSSkipVerify, ServerName: s.TLSServerName}
	if cfg.ServerName == "" {
		cfg.ServerName = s.Host
	}
	if s.TLSCACert != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(s.TLSCACert)) {
			return nil, errors.New("CA certificate is not valid PEM")
		}
		cfg.RootCAs = pool
	}
	if s.TLSClientCert != "" {
		pair, err := tls.X509KeyPair([]byte(s.TLSClientCert), []byte(sec.TLSClientKey))
		if err != nil {
			return nil, errors.New("client certificate and key do not form a valid pair")
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}
