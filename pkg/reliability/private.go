package reliability

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Ports are the ports of a private service instance.
type Ports struct {
	Postgres, ClickHouse, ClickHouseHTTP, BigQuery, BigQueryGRPC int
}

// Private is a service instance of scripts/services.sh with its own state
// directory and ports, started without the sample (QUARRY_SAMPLE=0). Tests
// may kill and restart its servers; the shared instance is never touched.
type Private struct {
	root     string
	stateDir string
	ports    Ports
	services []string
	// Env holds what `services.sh env` prints (QUARRY_PG_HOST, …).
	Env map[string]string
}

// StartPrivate starts services (names as in QUARRY_SERVICES: postgres,
// clickhouse, bigquery) in stateDir on ports. root is the repository root.
// A state dir left by an earlier run is stopped and removed first.
func StartPrivate(ctx context.Context, root, stateDir string, ports Ports, services ...string) (*Private, error) {
	p := &Private{root: root, stateDir: stateDir, ports: ports, services: services}
	if _, err := os.Stat(stateDir); err == nil {
		if _, err := p.run(ctx, "stop"); err != nil {
			return nil, err
		}
	}
	if _, err := p.run(ctx, "start"); err != nil {
		return nil, err
	}
	out, err := p.run(ctx, "env")
	if err != nil {
		return nil, err
	}
	p.Env = parseEnv(out)
	return p, nil
}

// Ports returns the instance's ports.
func (p *Private) Ports() Ports { return p.ports }

// Kill stops one service abruptly (PostgreSQL: immediate shutdown, every
// backend at once; the others: SIGKILL).
func (p *Private) Kill(ctx context.Context, service string) error {
	_, err := p.run(ctx, "service-kill", service)
	return err
}

// StopService stops one service gracefully.
func (p *Private) StopService(ctx context.Context, service string) error {
	_, err := p.run(ctx, "service-stop", service)
	return err
}

// StartService starts one service again and waits until it answers.
func (p *Private) StartService(ctx context.Context, service string) error {
	_, err := p.run(ctx, "service-start", service)
	return err
}

// Close stops every service of the instance and removes its state dir.
func (p *Private) Close(ctx context.Context) error {
	_, err := p.run(ctx, "stop")
	return err
}

func (p *Private) run(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(p.root, "scripts", "services.sh"), args...)
	cmd.Dir = p.root
	cmd.Env = append(os.Environ(),
		"QUARRY_STATE_DIR="+p.stateDir,
		"QUARRY_SAMPLE=0",
		"QUARRY_SERVICES="+strings.Join(p.services, " "),
		fmt.Sprintf("QUARRY_PG_PORT=%d", p.ports.Postgres),
		fmt.Sprintf("QUARRY_CH_PORT=%d", p.ports.ClickHouse),
		fmt.Sprintf("QUARRY_CH_HTTP_PORT=%d", p.ports.ClickHouseHTTP),
		fmt.Sprintf("QUARRY_BQ_PORT=%d", p.ports.BigQuery),
		fmt.Sprintf("QUARRY_BQ_GRPC_PORT=%d", p.ports.BigQueryGRPC),
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("reliability: services.sh %s (state %s): %w\n%s", strings.Join(args, " "), p.stateDir, err, stderr.String())
	}
	return stdout.Bytes(), nil
}

// parseEnv reads `export KEY='value'` lines.
func parseEnv(b []byte) map[string]string {
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "export "), "=")
		if !ok {
			continue
		}
		env[k] = strings.Trim(v, "'")
	}
	return env
}
