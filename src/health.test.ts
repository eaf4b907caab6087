import { formatHealth } from './health';

/** shown is what Grafana (and the e2e harness) prints: message, details.message, verboseMessage. */
function shown(res: ReturnType<typeof formatHealth>): string[] {
  const d = res.details as { message?: string; verboseMessage?: string } | undefined;
  return [res.message, d?.message, d?.verboseMessage]
    .filter((x): x is string => Boolean(x))
    .flatMap((x) => x.split('\n'));
}

function count(lines: string[], needle: string): number {
  return lines.filter((l) => l.includes(needle)).length;
}

describe('formatHealth', () => {
  it('shows the version and the capabilities once on success', () => {
    const res = formatHealth({
      status: 'success',
      message: 'Connected to PostgreSQL 15.4, database "postgres" as "grafana"',
      details: { engine: 'postgres', version: '15.4', capabilities: ['READ ONLY transactions', 'EXPLAIN'] } as never,
    });
    const lines = shown(res);
    expect(count(lines, '15.4')).toBe(1);
    expect(count(lines, 'READ ONLY transactions')).toBe(1);
    expect(lines).toContain('Capabilities: READ ONLY transactions, EXPLAIN');
  });

  it('adds the version when the message does not say it', () => {
    const lines = shown(
      formatHealth({
        status: 'success',
        message: 'BigQuery project p is reachable',
        details: { version: 'v2' } as never,
      })
    );
    expect(lines).toEqual(['BigQuery project p is reachable', 'Server version: v2']);
  });

  it('names the failing step and the hint once on failure', () => {
    const res = formatHealth({
      status: 'error',
      message: 'auth failed: authentication failed for user "x"',
      details: { step: 'auth', hint: 'check the user and password' } as never,
    });
    const lines = shown(res);
    expect(count(lines, 'auth')).toBe(1);
    expect(count(lines, 'check the user and password')).toBe(1);
  });
});
