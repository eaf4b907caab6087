package postgres

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"testing"
	"time"
)

// testCA makes a CA and a server certificate for "db.internal" signed by it.
func testCA(t *testing.T, name string) (caPEM []byte, server tls.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name + " CA"}, IsCA: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTpl, caTpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "db.internal"}, DNSNames: []string{"db.internal"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// handshake runs a TLS handshake against a server presenting cert.
func handshake(t *testing.T, cfg *tls.Config, cert tls.Certificate) error {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		srv := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
		_ = srv.SetDeadline(time.Now().Add(5 * time.Second))
		_ = srv.Handshake()
	}()
	c, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	return tls.Client(c, cfg).Handshake()
}

func TestVerifyModes(t *testing.T) {
	caPEM, cert := testCA(t, "good")
	otherCA, _ := testCA(t, "other")
	tests := []struct {
		name   string
		s      Settings
		wantOK bool
	}{
		{"verify-full, right host", Settings{Host: "db.internal", SSLMode: "verify-full", SSLRootCert: string(caPEM)}, true},
		{"verify-full, wrong host", Settings{Host: "10.0.0.5", SSLMode: "verify-full", SSLRootCert: string(caPEM)}, false},
		{"verify-ca ignores the host", Settings{Host: "10.0.0.5", SSLMode: "verify-ca", SSLRootCert: string(caPEM)}, true},
		{"verify-ca, other CA", Settings{Host: "db.internal", SSLMode: "verify-ca", SSLRootCert: string(otherCA)}, false},
		{"require skips verification", Settings{Host: "10.0.0.5", SSLMode: "require"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := tt.s.tlsConfig(Secrets{})
			if err != nil {
				t.Fatal(err)
			}
			err = handshake(t, cfg, cert)
			if (err == nil) != tt.wantOK {
				t.Fatalf("handshake error %v, want ok=%v", err, tt.wantOK)
			}
		})
	}
}
