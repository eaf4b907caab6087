import { DataSourcePluginOptionsEditorProps } from '@grafana/data';

import { Engine, QuarryOptions, QuarrySecureOptions } from '../../types';

export type ConfigProps = DataSourcePluginOptionsEditorProps<QuarryOptions, QuarrySecureOptions>;

export type JsonKey = keyof QuarryOptions;
export type SecureKey = keyof QuarrySecureOptions;

/** setJson returns an updater that stores one jsonData key. */
export function setJson<K extends JsonKey>(props: ConfigProps, key: K, value: QuarryOptions[K]) {
  const { options, onOptionsChange } = props;
  onOptionsChange({ ...options, jsonData: { ...options.jsonData, [key]: value } });
}

/** setSecure stores a new secret; it is sent once and never read back. */
export function setSecure(props: ConfigProps, key: SecureKey, value: string) {
  const { options, onOptionsChange } = props;
  onOptionsChange({ ...options, secureJsonData: { ...(options.secureJsonData ?? {}), [key]: value } });
}

/** resetSecure forgets a configured secret so a new one can be entered. */
export function resetSecure(props: ConfigProps, key: SecureKey) {
  const { options, onOptionsChange } = props;
  onOptionsChange({
    ...options,
    secureJsonFields: { ...options.secureJsonFields, [key]: false },
    secureJsonData: { ...(options.secureJsonData ?? {}), [key]: '' },
  });
}

/** isConfigured says whether the secret is stored on the server. */
export function isConfigured(props: ConfigProps, key: SecureKey): boolean {
  return Boolean(props.options.secureJsonFields?.[key]);
}

/** toNumber parses an input's text; empty text clears the setting. */
export function toNumber(text: string): number | undefined {
  const t = text.trim();
  if (t === '') {
    return undefined;
  }
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** ENGINE_KEYS are the jsonData keys that belong to one engine (the Settings of each pkg/engine package). */
export const ENGINE_KEYS: Record<Engine, Array<keyof QuarryOptions>> = {
  postgres: [
    'host',
    'port',
    'database',
    'user',
    'sslmode',
    'sslRootCert',
    'sslCert',
    'connectTimeout',
    'maxConns',
    'connMaxLifetime',
  ],
  clickhouse: [
    'host',
    'port',
    'database',
    'user',
    'secure',
    'tlsSkipVerify',
    'tlsServerName',
    'tlsCACert',
    'tlsClientCert',
    'tlsAuth',
    'dialTimeout',
    'maxOpenConns',
    'compression',
    'allowedTableFunctions',
  ],
  bigquery: [
    'authType',
    'defaultProject',
    'defaultDataset',
    'processingLocation',
    'endpoint',
    'priority',
    'maxBytesBilled',
    'pricePerTiB',
    'pageSize',
    'storageReadApi',
    'storageEndpoint',
    'allowedDatasets',
  ],
  duckdb: ['path', 'dataFolder', 'threads', 'memoryLimit', 'maxConnections'],
};

/**
 * switchEngine sets the engine and removes the keys of the other engines
 * (host, port and user do not carry over from PostgreSQL to ClickHouse). It
 * returns the removed keys that had a value, for the warning.
 */
export function switchEngine(jsonData: QuarryOptions, engine: Engine): { jsonData: QuarryOptions; removed: string[] } {
  const keep = new Set<string>(engine === (jsonData.engine ?? 'duckdb') ? ENGINE_KEYS[engine] : []);
  const out: QuarryOptions = { ...jsonData, engine };
  const removed: string[] = [];
  const all = new Set(Object.values(ENGINE_KEYS).flat());
  for (const k of all) {
    if (keep.has(k)) {
      continue;
    }
    const v = out[k];
    if (v !== undefined && v !== null && v !== '') {
      removed.push(k);
    }
    delete out[k];
  }
  return { jsonData: out, removed };
}
