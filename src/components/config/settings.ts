import { Engine, QuarryOptions } from '../../types';

/**
 * The config page's settings: each key's default and the check the backend
 * makes, with the backend's own message (pkg/plugin/settings.go and each
 * pkg/engine/<engine>/settings.go). settings.test.ts holds these to the
 * listing the backend writes, pkg/plugin/testdata/settings_fields.golden.json.
 */

/** SettingEngine is the engine a key belongs to; "common" keys belong to every engine. */
export type SettingEngine = Engine | 'common';

type Value = QuarryOptions[keyof QuarryOptions];

/** SettingSpec describes one jsonData key of the config page. */
export interface SettingSpec {
  engine: SettingEngine;
  key: keyof QuarryOptions;
  /** The backend's default when the key is unset (durations as Go writes them). */
  default: number | string | boolean | string[];
  /** The default as the page shows it ("64 MiB", "60s"); empty: nothing to show. */
  defaultText: string;
  /** check returns the backend's message for a value it refuses, else undefined. */
  check?: (value: Value) => string | undefined;
}

const MiB = 1 << 20;

/** goQuote writes a string as Go's %q does (for the characters a field holds). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    const esc: Record<string, string> = {
      '"': '\\"',
      '\\': '\\\\',
      '\x07': '\\a',
      '\b': '\\b',
      '\f': '\\f',
      '\n': '\\n',
      '\r': '\\r',
      '\t': '\\t',
      '\v': '\\v',
    };
    if (esc[ch]) {
      out += esc[ch];
    } else if (c < 0x20 || c === 0x7f) {
      out += '\\x' + c.toString(16).padStart(2, '0');
    } else {
      out += ch;
    }
  }
  return out + '"';
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const GO_DURATION = /^[-+]?(?:0|(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;
const GO_FLOAT = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * parseDuration reads a settings duration as engine.Duration does: a number
 * of seconds or a Go duration ("1m30s"). It returns nanoseconds, 0 for
 * empty text, or undefined when the backend would refuse the text.
 */
export function parseDuration(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') {
    return 0;
  }
  if (typeof value === 'number') {
    return Math.trunc(value * 1e9);
  }
  if (typeof value !== 'string') {
    return undefined;
  }
  if (GO_FLOAT.test(value)) {
    return Math.trunc(Number(value) * 1e9);
  }
  if (!GO_DURATION.test(value)) {
    return undefined;
  }
  const sign = value.startsWith('-') ? -1 : 1;
  let ns = 0;
  for (const m of value.replace(/^[-+]/, '').matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    ns += Number(m[1]) * UNIT_NS[m[2]];
  }
  return sign * Math.trunc(ns);
}

/** formatDuration writes nanoseconds as Go's time.Duration.String does. */
export function formatDuration(ns: number): string {
  if (ns === 0) {
    return '0s';
  }
  const neg = ns < 0;
  let u = Math.abs(ns);
  const trim = (x: number, unit: string) => `${Number(x.toFixed(9))}${unit}`;
  let out: string;
  if (u < 1e3) {
    out = `${u}ns`;
  } else if (u < 1e6) {
    out = trim(u / 1e3, 'µs');
  } else if (u < 1e9) {
    out = trim(u / 1e6, 'ms');
  } else {
    const h = Math.floor(u / 3600e9);
    u -= h * 3600e9;
    const m = Math.floor(u / 60e9);
    u -= m * 60e9;
    const s = trim(u / 1e9, 's');
    out = h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s;
  }
  return (neg ? '-' : '') + out;
}

/** goFloat writes a number as Go's %g does for the values a field holds. */
function goFloat(n: number): string {
  return String(n).replace(/e\+?(-?)(\d)$/, (_m, sign, d) => `e${sign || '+'}0${d}`);
}

type Check = (v: Value) => string | undefined;

const isSet = (v: Value) => v !== undefined && v !== null && v !== '';

/** integer is encoding/json's type error for a fractional number in an integer field. */
function integer(key: string, goType: 'int' | 'int64', then?: (n: number) => string | undefined): Check {
  return (v) => {
    if (typeof v !== 'number') {
      return undefined;
    }
    if (!Number.isInteger(v)) {
      return `${key}: expected ${goType}, got JSON number ${v}`;
    }
    return then?.(v);
  };
}

function duration(key: string, negative: (ns: number) => string): Check {
  return (v) => {
    if (!isSet(v)) {
      return undefined;
    }
    const ns = parseDuration(v);
    if (ns === undefined) {
      return `${key}: ${goQuote(String(v))} is not a duration (use e.g. "30s" or a number of seconds)`;
    }
    return ns < 0 ? negative(ns) : undefined;
  };
}

/** badName is pkg/sqlplan/guard's check of an allow-list entry. */
function badName(n: string): string | undefined {
  if (n === '') {
    return 'is empty; give a name such as "read_csv" or "sales"';
  }
  if (new TextEncoder().encode(n).length > 256) {
    return 'is longer than 256 characters';
  }
  for (const ch of n) {
    const c = ch.codePointAt(0) ?? 0;
    if (c <= 0x20 || `'"\`;()`.includes(ch) || c === 0x7f) {
      return `${goQuote(n)} must be a plain name, without spaces, quotes, parentheses or ';'`;
    }
  }
  return undefined;
}

function nameList(key: string): Check {
  return (v) => {
    if (!Array.isArray(v)) {
      return undefined;
    }
    const errs = v.map((n, i) => badName(String(n)) && `${key}[${i}]: ${badName(String(n))}`).filter(Boolean);
    return errs.length ? errs.join('\n') : undefined;
  };
}

function host(v: Value): string | undefined {
  if (typeof v !== 'string' || v.trim() === '') {
    return undefined;
  }
  return v.includes('://') || /[ /?#]/.test(v)
    ? `Host ${goQuote(v)} must be a bare host name or address (no scheme, path or port)`
    : undefined;
}

function pattern(key: string, ok: (s: string) => boolean, msg: (q: string) => string): Check {
  return (v) => (typeof v === 'string' && v !== '' && !ok(v) ? `${key}: ${msg(goQuote(v))}` : undefined);
}

/** validProjectID is Google's rule, as the backend checks it (pkg/engine/bigquery validProjectID). */
function validProjectID(p: string): boolean {
  const i = p.lastIndexOf(':');
  const id = i >= 0 ? p.slice(i + 1) : p;
  return id.length >= 6 && id.length <= 30 && /^[a-z][a-z0-9-]*$/.test(id) && !id.endsWith('-');
}

function httpURL(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host !== '';
  } catch {
    return false;
  }
}

/** hostPort is net.SplitHostPort's acceptance. */
function hostPort(s: string): boolean {
  if (s.startsWith('[')) {
    return /^\[[^\]]*\]:[^:\]]*$/.test(s);
  }
  return (s.match(/:/g) ?? []).length === 1;
}

/**
 * redisURL is pkg/cache/shared.ParseURL's check, as net/url reads the text:
 * a redis:// or rediss:// URL with a host and no password in it.
 */
function redisURL(v: Value): string | undefined {
  if (typeof v !== 'string' || v.trim() === '') {
    return undefined;
  }
  const raw = v.trim();
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(raw);
  const scheme = m ? m[1].toLowerCase() : '';
  if (scheme !== 'redis' && scheme !== 'rediss') {
    return `cacheRedisURL: scheme ${goQuote(scheme)} is not redis:// or rediss:// (TLS)`;
  }
  const rest = raw.slice(scheme.length + 1);
  const authority = rest.startsWith('//') ? rest.slice(2).split(/[/?#]/)[0] : '';
  const at = authority.lastIndexOf('@');
  if (at >= 0 && authority.slice(0, at).includes(':')) {
    return 'cacheRedisURL: holds a password; put it in the secure setting cacheRedisPassword instead';
  }
  const hostPart = authority.slice(at + 1);
  const hostname = hostPart.startsWith('[') ? hostPart.slice(1, hostPart.indexOf(']')) : hostPart.split(':')[0];
  if (hostname === '') {
    return 'cacheRedisURL: names no host; write redis://host:port/db';
  }
  return undefined;
}

const joinErrs = (...errs: Array<string | undefined>) => errs.filter(Boolean).join('\n') || undefined;

/** SETTINGS lists every key the config page edits, with the backend's default and check. */
export const SETTINGS: SettingSpec[] = [
  {
    engine: 'common',
    key: 'maxRows',
    default: 100000,
    defaultText: '100000',
    check: integer('maxRows', 'int64', (n) => (n < 0 ? `maxRows: must be positive, got ${n}` : undefined)),
  },
  {
    engine: 'common',
    key: 'maxResultBytes',
    default: 256 * MiB,
    defaultText: '268435456 (256 MiB)',
    check: integer('maxResultBytes', 'int64', (n) =>
      n < 0 ? `maxResultBytes: must be positive (bytes; default ${256 * MiB}, 256 MiB), got ${n}` : undefined
    ),
  },
  {
    engine: 'common',
    key: 'queryTimeout',
    default: '1m0s',
    defaultText: '60s',
    check: duration('queryTimeout', (ns) => `queryTimeout: must be positive, got ${formatDuration(ns)}`),
  },
  {
    engine: 'common',
    key: 'cacheTTL',
    default: '30s',
    defaultText: '30s',
    check: duration('cacheTTL', (ns) => `cacheTTL: must be 0 (no cache) or positive, got ${formatDuration(ns)}`),
  },
  {
    engine: 'common',
    key: 'cacheMaxBytes',
    default: 64 * MiB,
    defaultText: '67108864 (64 MiB)',
    check: integer('cacheMaxBytes', 'int64', (n) => (n < 0 ? `cacheMaxBytes: must be positive, got ${n}` : undefined)),
  },
  { engine: 'common', key: 'cacheRedisURL', default: '', defaultText: '', check: redisURL },
  {
    engine: 'common',
    key: 'cacheRedisMaxEntryBytes',
    default: 8 * MiB,
    defaultText: '8388608 (8 MiB)',
    check: integer('cacheRedisMaxEntryBytes', 'int64', (n) =>
      n < 0 ? `cacheRedisMaxEntryBytes: must be positive (bytes; default ${8 * MiB}, 8 MiB), got ${n}` : undefined
    ),
  },
  {
    engine: 'common',
    key: 'concurrency',
    default: 4,
    defaultText: '4',
    check: integer('concurrency', 'int', (n) =>
      n < 0 || n > 64 ? `concurrency: must be between 1 and 64, got ${n}` : undefined
    ),
  },
  { engine: 'common', key: 'incremental', default: false, defaultText: 'off' },
  {
    engine: 'common',
    key: 'incrementalOverlap',
    default: '10m0s',
    defaultText: '10m',
    check: duration('incrementalOverlap', (ns) => `incrementalOverlap: must be 0 or positive, got ${formatDuration(ns)}`),
  },
  {
    engine: 'common',
    key: 'maxBytes',
    default: 0,
    defaultText: '0 (no limit)',
    check: integer('maxBytes', 'int64', (n) =>
      n < 0 ? `maxBytes: must be 0 (unlimited) or positive, got ${n}` : undefined
    ),
  },
  {
    engine: 'common',
    key: 'maxUSD',
    default: 0,
    defaultText: '0 (no limit)',
    check: (v) =>
      typeof v === 'number' && v < 0 ? `maxUSD: must be 0 (unlimited) or positive, got ${goFloat(v)}` : undefined,
  },
  {
    engine: 'common',
    key: 'maxEstimatedRows',
    default: 0,
    defaultText: '0 (no limit)',
    check: integer('maxEstimatedRows', 'int64', (n) =>
      n < 0 ? `maxEstimatedRows: must be 0 (unlimited) or positive, got ${n}` : undefined
    ),
  },
  { engine: 'common', key: 'allowedFunctions', default: [], defaultText: '', check: nameList('allowedFunctions') },
  { engine: 'common', key: 'allowedSchemas', default: [], defaultText: '', check: nameList('allowedSchemas') },
  { engine: 'common', key: 'allowedDatabases', default: [], defaultText: '', check: nameList('allowedDatabases') },
  {
    engine: 'clickhouse',
    key: 'allowedTableFunctions',
    default: [],
    defaultText: '',
    check: nameList('allowedTableFunctions'),
  },
  { engine: 'bigquery', key: 'allowedDatasets', default: [], defaultText: '', check: nameList('allowedDatasets') },

  { engine: 'postgres', key: 'host', default: '', defaultText: '', check: host },
  {
    engine: 'postgres',
    key: 'port',
    default: 5432,
    defaultText: '5432',
    check: integer('port', 'int', (n) =>
      n !== 0 && (n < 1 || n > 65535)
        ? `Port ${n} is out of range: use 1-65535 (PostgreSQL's default is 5432)`
        : undefined
    ),
  },
  { engine: 'postgres', key: 'sslmode', default: 'prefer', defaultText: 'prefer' },
  {
    engine: 'postgres',
    key: 'maxConns',
    default: 10,
    defaultText: '10',
    check: integer('maxConns', 'int', (n) =>
      n !== 0 && (n < 1 || n > 1000) ? `Max connections ${n} is out of range: use 1-1000` : undefined
    ),
  },
  {
    engine: 'postgres',
    key: 'connMaxLifetime',
    default: '1h0m0s',
    defaultText: '1h',
    check: duration('connMaxLifetime', () => 'Connection lifetime must not be negative'),
  },
  {
    engine: 'postgres',
    key: 'connectTimeout',
    default: '10s',
    defaultText: '10s',
    check: duration('connectTimeout', () => 'timeouts must not be negative'),
  },

  { engine: 'clickhouse', key: 'host', default: '', defaultText: '', check: host },
  {
    engine: 'clickhouse',
    key: 'port',
    default: 9000,
    defaultText: '9000 (9440 with TLS)',
    check: integer('port', 'int', (n) =>
      n === 0
        ? undefined
        : joinErrs(
            n < 1 || n > 65535
              ? `Port ${n} is out of range: use 1-65535 (native protocol: 9000, or 9440 with TLS)`
              : undefined,
            n === 8123 || n === 8443
              ? `Port ${n} is ClickHouse's HTTP port; Quarry speaks the native protocol (9000, or 9440 with TLS)`
              : undefined
          )
    ),
  },
  {
    engine: 'clickhouse',
    key: 'maxOpenConns',
    default: 10,
    defaultText: '10',
    check: integer('maxOpenConns', 'int', (n) =>
      n !== 0 && (n < 1 || n > 1000) ? `Max open connections ${n} is out of range: use 1-1000` : undefined
    ),
  },
  { engine: 'clickhouse', key: 'compression', default: 'lz4', defaultText: 'lz4' },
  {
    engine: 'clickhouse',
    key: 'dialTimeout',
    default: '10s',
    defaultText: '10s',
    check: duration('dialTimeout', () => 'timeouts must not be negative'),
  },

  {
    engine: 'bigquery',
    key: 'defaultProject',
    default: '',
    defaultText: '',
    check: pattern(
      'defaultProject',
      validProjectID,
      (q) =>
        `${q} is not a valid project ID (6-30 characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen; an optional "domain:" prefix)`
    ),
  },
  {
    engine: 'bigquery',
    key: 'defaultDataset',
    default: '',
    defaultText: '',
    check: pattern(
      'defaultDataset',
      (s) => s.length <= 1024 && /^[A-Za-z0-9_]+$/.test(s),
      (q) => `${q} is not a valid dataset ID (letters, digits and underscores, at most 1024)`
    ),
  },
  {
    engine: 'bigquery',
    key: 'processingLocation',
    default: '',
    defaultText: '',
    check: pattern(
      'processingLocation',
      (s) => /^[A-Za-z0-9-]{2,64}$/.test(s),
      (q) => `${q} is not a location name such as US, EU or europe-west1`
    ),
  },
  {
    engine: 'bigquery',
    key: 'endpoint',
    default: '',
    defaultText: '',
    check: pattern('endpoint', httpURL, (q) => `${q} is not an http(s) URL such as http://127.0.0.1:9050`),
  },
  { engine: 'bigquery', key: 'priority', default: 'INTERACTIVE', defaultText: 'INTERACTIVE' },
  {
    engine: 'bigquery',
    key: 'maxBytesBilled',
    default: 0,
    defaultText: "0 (the project's default)",
    check: integer('maxBytesBilled', 'int64', (n) =>
      n < 0 ? `maxBytesBilled: must be 0 (project default) or a positive number of bytes, got ${n}` : undefined
    ),
  },
  {
    engine: 'bigquery',
    key: 'pricePerTiB',
    default: 6.25,
    defaultText: '6.25',
    check: (v) => (typeof v === 'number' && v < 0 ? `pricePerTiB: must be positive, got ${goFloat(v)}` : undefined),
  },
  {
    engine: 'bigquery',
    key: 'pageSize',
    default: 10000,
    defaultText: '10000',
    check: integer('pageSize', 'int', (n) =>
      n < 0 || n > 100000 ? `pageSize: must be between 1 and 100000 rows, got ${n}` : undefined
    ),
  },
  { engine: 'bigquery', key: 'storageReadApi', default: false, defaultText: 'off' },
  {
    engine: 'bigquery',
    key: 'storageEndpoint',
    default: '',
    defaultText: '',
    check: pattern('storageEndpoint', hostPort, (q) => `${q} is not host:port`),
  },

  {
    engine: 'duckdb',
    key: 'threads',
    default: 0,
    defaultText: "0 (DuckDB's default: one per core)",
    check: integer('threads', 'int', (n) =>
      n < 0 || n > 1024 ? `threads: must be between 0 (default) and 1024, got ${n}` : undefined
    ),
  },
  {
    engine: 'duckdb',
    key: 'memoryLimit',
    default: '',
    defaultText: "DuckDB's default (80% of RAM)",
    check: pattern(
      'memoryLimit',
      (s) => /^\d+(\.\d+)?[ \t\n\f\r]*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(s),
      (q) => `${q} is not a size such as 512MB or 2GB`
    ),
  },
  {
    engine: 'duckdb',
    key: 'maxConnections',
    default: 8,
    defaultText: '8',
    check: integer('maxConnections', 'int', (n) =>
      n < 0 ? `maxConnections: must not be negative, got ${n}` : undefined
    ),
  },
];

/** settingSpec finds a key's spec: the engine's own first, then the common one. */
export function settingSpec(engine: Engine, key: keyof QuarryOptions): SettingSpec | undefined {
  return (
    SETTINGS.find((s) => s.engine === engine && s.key === key) ??
    SETTINGS.find((s) => s.engine === 'common' && s.key === key)
  );
}

/** settingError is the backend's message for the key's value, or undefined when the backend accepts it. */
export function settingError(engine: Engine, key: keyof QuarryOptions, value: Value): string | undefined {
  return settingSpec(engine, key)?.check?.(value);
}
