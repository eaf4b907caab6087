import { Engine } from './types';

/** The marker the backend's $__conditionalAll(condition, $var) treats as "All selected". */
export const ALL_MARKER = '$__all';

const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * quoteLiteral renders one untrusted value as a string literal of the engine's
 * dialect, exactly as the backend does (pkg/sqlplan/dialect/quote.go):
 *
 * - BigQuery and ClickHouse escape with backslashes (\' \\ \n \r \t, NUL as
 *   \x00 in BigQuery and \0 in ClickHouse, other control characters as \xHH);
 * - PostgreSQL doubles the quote, and writes a value holding a backslash as
 *   E'...' with \\ so that it means the same whatever standard_conforming_strings is;
 * - DuckDB doubles the quote (backslashes are literal);
 * - PostgreSQL and DuckDB text cannot hold NUL: such a value is an error.
 */
export function quoteLiteral(engine: Engine, value: string): string {
  switch (engine) {
    case 'bigquery':
    case 'clickhouse':
      return "'" + escapeContent(engine, value, "'") + "'";
    case 'postgres':
      checkNoNul(engine, value);
      if (value.includes('\\')) {
        return "E'" + value.replace(/\\/g, '\\\\').replace(/'/g, "''") + "'";
      }
      return "'" + value.replace(/'/g, "''") + "'";
    case 'duckdb':
    default:
      checkNoNul(engine, value);
      return "'" + value.replace(/'/g, "''") + "'";
  }
}

function checkNoNul(engine: Engine, value: string) {
  if (value.includes('\0')) {
    throw new Error(`a template variable value holds a NUL character, which ${engine} text cannot hold`);
  }
}

/** backslashEscape escapes one character as the backend does for BigQuery and ClickHouse. */
function backslashEscape(engine: Engine, c: string): string {
  switch (c) {
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\0':
      return engine === 'clickhouse' ? '\\0' : '\\x00';
  }
  return '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0');
}

/**
 * escapeContent escapes value for the inside of a literal closed by quote:
 * backslash escapes for BigQuery and ClickHouse, doubling otherwise.
 */
function escapeContent(engine: Engine, value: string, quote: string): string {
  if (engine === 'bigquery' || engine === 'clickhouse') {
    let out = '';
    for (const c of value) {
      const code = c.charCodeAt(0);
      if (c === quote) {
        out += '\\' + c;
      } else if (c === '\\' || code < 0x20 || code === 0x7f) {
        out += backslashEscape(engine, c);
      } else {
        out += c;
      }
    }
    return out;
  }
  checkNoNul(engine, value);
  return value.split(quote).join(quote + quote);
}

/**
 * renderNumber writes a plain number as SQL; a negative one is parenthesised
 * so that it can never meet a '-' before it and start a comment (1-$v with
 * v = -1 must not become 1--1).
 */
function renderNumber(s: string): string {
  return s.startsWith('-') ? '(' + s + ')' : s;
}

/** quoteValue quotes a value as a literal unless it is a plain number. */
export function quoteValue(engine: Engine, value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  return NUMBER.test(s) ? renderNumber(s) : quoteLiteral(engine, s);
}

// formatVariable cannot know where a value lands (inside a string literal or
// not), so it writes a placeholder holding the engine and the value(s); the
// last step, restoreBackendVariables, sees the whole SQL and renders each
// placeholder for its place. The placeholder's text has no quote, backslash,
// '$' or comment character, so it never changes how the SQL around it lexes.
const VALUE_OPEN = '\uE001';
const VALUE_CLOSE = '\uE002';
const VALUE_RE = /\uE001([^\uE002]*)\uE002/g;

interface Placeholder {
  engine: Engine;
  value: string | string[];
}

function encodePlaceholder(p: Placeholder): string {
  return (
    VALUE_OPEN +
    encodeURIComponent(JSON.stringify(p))
      .replace(/'/g, '%27')
      .replace(/[!()*~-]/g, (c) => '%' + c.charCodeAt(0).toString(16)) +
    VALUE_CLOSE
  );
}

function decodePlaceholder(text: string): Placeholder {
  return JSON.parse(decodeURIComponent(text));
}

function text(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

/**
 * formatVariable is the format function handed to TemplateSrv.replace. A
 * value standing in the SQL becomes one literal (a plain number stays a
 * number); several values a comma-separated list of literals (for
 * `IN ($var)`), or NULL when none is selected. A value inside a string
 * literal (`'%$var%'`, `'$var-suffix'`, `'$var'`) is escaped into that
 * literal, so the whole stays one literal and a number-like value keeps the
 * quotes the SQL gave it. It works through placeholders that
 * restoreBackendVariables renders; `${var:raw}` and Grafana's other explicit
 * formats bypass it.
 */
export function formatVariable(engine: Engine) {
  return (value: unknown): string =>
    encodePlaceholder({ engine, value: Array.isArray(value) ? value.map(text) : text(value) });
}

/** renderStandalone renders a value that stands in the SQL (not in a literal). */
function renderStandalone(p: Placeholder): string {
  if (Array.isArray(p.value)) {
    return p.value.length === 0 ? 'NULL' : p.value.map((v) => quoteValue(p.engine, v)).join(',');
  }
  return quoteValue(p.engine, p.value);
}

/**
 * unquoteVariables is kept for callers that ran it before TemplateSrv.replace:
 * a reference the user wrapped in quotes ('$var') is no longer unquoted, since
 * formatVariable escapes a value inside a literal instead of quoting it again.
 * It returns sql unchanged.
 */
export function unquoteVariables(sql: string): string {
  return sql;
}

/** variableName extracts the name from $var, ${var}, ${var:fmt} or [[var]]. */
export function variableName(ref: string): string {
  const m = /^\$\{(\w+)(?::[^}]*)?\}$|^\$(\w+)$|^\[\[(\w+)(?::[^\]]*)?\]\]$/.exec(ref);
  return m ? (m[1] ?? m[2] ?? m[3]) : '';
}

const VAR_REF = /\$\{\w+(?::[^}]*)?\}|\$\w+|\[\[\w+(?::[^\]]*)?\]\]/g;

/**
 * markAllInConditionals rewrites, inside every $__conditionalAll(…) call,
 * the references to variables set to All into the ALL_MARKER, so the backend
 * drops the condition instead of receiving a giant IN list.
 */
export function markAllInConditionals(sql: string, isAll: (name: string) => boolean): string {
  const head = '$__conditionalAll(';
  let out = '';
  let i = 0;
  for (;;) {
    const start = sql.indexOf(head, i);
    if (start < 0) {
      return out + sql.slice(i);
    }
    const open = start + head.length;
    const close = matchingParen(sql, open);
    const args = sql.slice(open, close);
    out += sql.slice(i, open) + args.replace(VAR_REF, (ref) => (isAll(variableName(ref)) ? ALL_MARKER : ref));
    i = close;
  }
}

/** matchingParen returns the index of the ')' closing the call whose arguments start at from (or the text's end). */
function matchingParen(sql: string, from: number): number {
  let depth = 0;
  for (let i = from; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`') {
      const end = skipQuoted(sql, i, c);
      i = end;
      continue;
    }
    if (c === '(') {
      depth++;
    } else if (c === ')') {
      if (depth === 0) {
        return i;
      }
      depth--;
    }
  }
  return sql.length;
}

function skipQuoted(sql: string, start: number, quote: string): number {
  for (let i = start + 1; i < sql.length; i++) {
    if (sql[i] === '\\') {
      i++;
    } else if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i++;
        continue;
      }
      return i;
    }
  }
  return sql.length;
}

// The Grafana variables the backend expands itself: leaving them to it gives
// panels, alert rules and dry runs the same SQL, and keeps string literals
// untouched (a regex replacer would rewrite '$__interval' inside quotes).
const BACKEND_VARS = /\$(\{?)__(interval_ms|interval_s|interval|range_ms|range_s|range|from|to)(?![A-Za-z0-9_])/g;
const PROTECTED_VARS = /\uE000Q(\{?)__/g;

/** protectBackendVariables hides the backend's variables from templateSrv.replace. */
export function protectBackendVariables(sql: string): string {
  return sql.replace(BACKEND_VARS, '\uE000Q$1__$2');
}

/**
 * restoreBackendVariables ends the interpolation: it puts back the backend's
 * variables that protectBackendVariables hid, and renders the values
 * formatVariable left as placeholders, each for its place (see
 * renderValues).
 */
export function restoreBackendVariables(sql: string): string {
  return renderValues(sql.replace(PROTECTED_VARS, '$$$1__'));
}

/** A string or quoted-identifier literal of the SQL: [start, end) with its kind. */
interface Literal {
  start: number;
  end: number;
  /** The opening quote character (' " `). */
  quote: string;
  /** The prefix letters before the quote (E, r, b, …), lower-cased. */
  prefix: string;
  /** Whether the quote character makes an identifier in this dialect. */
  ident: boolean;
}

/**
 * scanLiterals finds the string and quoted-identifier literals of sql for
 * the engine's lexical rules, skipping comments. Placeholders are opaque
 * text (they hold no quote).
 */
function scanLiterals(engine: Engine, sql: string): Literal[] {
  const out: Literal[] = [];
  const backslashes = engine === 'bigquery' || engine === 'clickhouse';
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl;
      continue;
    }
    if (c === '#' && engine === 'bigquery') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? sql.length : close + 1;
      continue;
    }
    if (c !== "'" && c !== '"' && c !== '`') {
      continue;
    }
    let p = i;
    while (p > 0 && /[A-Za-z]/.test(sql[p - 1]) && i - p < 2) {
      p--;
    }
    const prefix = sql.slice(p, i).toLowerCase();
    const wordBefore = p > 0 && /[A-Za-z0-9_$]/.test(sql[p - 1]);
    const realPrefix = !wordBefore && /^(e|r|b|rb|br|x|u&)?$/.test(prefix) ? prefix : '';
    const ident = c === '`' || (c === '"' && engine !== 'bigquery');
    const escapes = !ident && (backslashes ? !realPrefix.includes('r') : realPrefix === 'e');
    const triple = engine === 'bigquery' && !ident && sql.startsWith(c.repeat(3), i);
    const q = triple ? c.repeat(3) : c;
    let j = i + q.length;
    for (; j < sql.length; j++) {
      if (escapes && sql[j] === '\\') {
        j++;
        continue;
      }
      if (sql.startsWith(q, j)) {
        if (!triple && sql[j + 1] === c) {
          j++; // a doubled quote
          continue;
        }
        break;
      }
    }
    const end = Math.min(sql.length, j + q.length);
    out.push({ start: realPrefix ? p : i, end, quote: q, prefix: realPrefix, ident });
    i = end - 1;
  }
  return out;
}

/**
 * renderValues renders the placeholders of formatVariable in sql:
 *
 * - standing in the SQL, as literals (renderStandalone);
 * - inside a string literal, escaped for that literal; several values are
 *   joined with ','. A literal that is exactly one reference ('$var') to
 *   several values becomes a list of literals, as `IN ($var)` would be. A
 *   PostgreSQL literal that receives a backslash is written E'...', as the
 *   backend writes literals. A BigQuery raw string cannot hold a value
 *   with its quote or a backslash: that is an error;
 * - inside a quoted identifier ("$var", `$var`), escaped for it.
 */
function renderValues(sql: string): string {
  const first = VALUE_RE.exec(sql);
  VALUE_RE.lastIndex = 0;
  if (!first) {
    return sql;
  }
  const engine = decodePlaceholder(first[1]).engine;
  let out = '';
  let at = 0;
  for (const lit of scanLiterals(engine, sql)) {
    const body = sql.slice(lit.start, lit.end);
    if (!body.includes(VALUE_OPEN)) {
      continue;
    }
    out += renderStandaloneIn(sql.slice(at, lit.start)) + renderLiteral(engine, lit, body);
    at = lit.end;
  }
  return out + renderStandaloneIn(sql.slice(at));
}

function renderStandaloneIn(text: string): string {
  return text.replace(VALUE_RE, (_, enc: string) => renderStandalone(decodePlaceholder(enc)));
}

function renderLiteral(engine: Engine, lit: Literal, body: string): string {
  const open = lit.prefix.length + lit.quote.length;
  const inner = body.slice(open, body.length - lit.quote.length);
  const whole = /^\uE001([^\uE002]*)\uE002$/.exec(inner);
  if (whole && !lit.ident) {
    const p = decodePlaceholder(whole[1]);
    if (Array.isArray(p.value) && p.value.length > 1 && lit.prefix === '' && lit.quote === "'") {
      return p.value.map((v) => quoteLiteral(engine, v)).join(',');
    }
  }
  const values: string[] = [];
  inner.replace(VALUE_RE, (_, enc: string) => {
    const p = decodePlaceholder(enc);
    values.push(Array.isArray(p.value) ? p.value.join(',') : p.value);
    return '';
  });
  const raw = lit.prefix.includes('r');
  if (raw && values.some((v) => v.includes(lit.quote[0]) || v.includes('\\'))) {
    throw new Error(`a template variable value with a quote or a backslash cannot go inside the raw string ${body}`);
  }
  // PostgreSQL: a plain literal that receives a backslash becomes E'...', with
  // every backslash of its own text doubled, so it means the same whatever
  // standard_conforming_strings is.
  const toE = engine === 'postgres' && !lit.ident && lit.prefix === '' && values.some((v) => v.includes('\\'));
  let n = 0;
  const rendered = inner.split(VALUE_RE).map((part, k) => {
    if (k % 2 === 0) {
      return toE ? part.replace(/\\/g, '\\\\') : part;
    }
    const v = values[n++];
    if (raw) {
      return v;
    }
    if (lit.ident) {
      return engine === 'bigquery'
        ? v.replace(/[\\`]/g, (c) => '\\' + c)
        : v.split(lit.quote).join(lit.quote + lit.quote);
    }
    if (toE || (lit.prefix === 'e' && (engine === 'postgres' || engine === 'duckdb'))) {
      checkNoNul(engine, v);
      return v.replace(/\\/g, '\\\\').replace(/'/g, "''");
    }
    return escapeContent(engine, v, lit.quote[0]);
  });
  return (toE ? 'E' : body.slice(0, lit.prefix.length)) + lit.quote + rendered.join('') + lit.quote;
}
