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
 * shows, each fact once: what the message (the backend's sentence) already
 * says is left out.
 */
export function healthLines(d: HealthDetails | undefined, message = ''): string[] {
  if (!d) {
    return [];
  }
  const said = message.toLowerCase();
  const lines: string[] = [];
  if (d.engine && !said.includes(d.engine.toLowerCase())) {
    lines.push(`Engine: ${d.engine}`);
  }
  if (d.version && !said.includes(d.version.toLowerCase())) {
    lines.push(`Server version: ${d.version}`);
  }
  if (d.capabilities?.length) {
    lines.push(`Capabilities: ${d.capabilities.join(', ')}`);
  }
  if (d.step && !said.startsWith(`${d.step.toLowerCase()} failed`)) {
    lines.push(`Failed while ${STEP_NAMES[d.step] ?? d.step}.`);
  }
  if (d.hint && !said.includes(d.hint.toLowerCase())) {
    lines.push(`What to do: ${d.hint}`);
  }
  return lines;
}

/**
 * formatHealth keeps Grafana's status and message and puts the remaining
 * facts in details: the first in details.message, the others in
 * verboseMessage, so no line is shown twice.
 */
export function formatHealth(res: TestDataSourceResponse): TestDataSourceResponse {
  const d = (res.details ?? undefined) as HealthDetails | undefined;
  const lines = healthLines(d, res.message);
  if (lines.length === 0) {
    return res;
  }
  const [first, ...rest] = lines;
  return {
    ...res,
    details: {
      ...d,
      message: first,
      verboseMessage: rest.join('\n') || undefined,
    },
  };
}
