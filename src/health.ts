import { TestDataSourceResponse } from '@grafana/data';

/** HealthDetails is the JSON the backend's CheckHealth puts in its details (engine.Health and extras). */
export interface HealthDetails {
  engine?: string;
  version?: string;
  capabilities?: string[];
  step?: string;
  hint?: string;
  message?: string;
  verboseMessage?: string;
  [k: string]: unknown;
}

const STEP_NAMES: Record<string, string> = {
  settings: 'reading the settings',
  dns: 'resolving the host name',
  tcp: 'connecting',
  tls: 'the TLS handshake',
  auth: 'authentication',
  permission: 'checking permissions',
  database: 'opening the database',
  query: 'running a test query',
};

/**
 * healthLines renders health details as the lines Grafana's "Save & test"
 * shows: the version and capabilities, or the failing step and what to do.
 */
export function healthLines(d: HealthDetails | undefined): string[] {
  if (!d) {
    return [];
  }
  const lines: string[] = [];
  if (d.engine) {
    lines.push(`Engine: ${d.engine}`);
  }
  if (d.version) {
    lines.push(`Server version: ${d.version}`);
  }
  if (d.capabilities?.length) {
    lines.push(`Capabilities: ${d.capabilities.join(', ')}`);
  }
  if (d.step) {
    lines.push(`Failed while ${STEP_NAMES[d.step] ?? d.step}.`);
  }
  if (d.hint) {
    lines.push(`What to do: ${d.hint}`);
  }
  return lines;
}

/** formatHealth keeps Grafana's status and message and fills details.message/verboseMessage. */
export function formatHealth(res: TestDataSourceResponse): TestDataSourceResponse {
  const d = (res.details ?? undefined) as HealthDetails | undefined;
  const lines = healthLines(d);
  if (lines.length === 0) {
    return res;
  }
  const [first, ...rest] = lines;
  const summary = res.status === 'success' ? lines.slice(0, 2).join(' · ') : first;
  return {
    ...res,
    details: {
      ...d,
      message: summary,
      verboseMessage: (res.status === 'success' ? lines : rest).join('\n') || undefined,
    },
  };
}
