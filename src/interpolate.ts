import { Engine } from './types';

/** The marker the backend's $__conditionalAll(condition, $var) treats as "All selected". */
export const ALL_MARKER = '$__all';

const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * quoteLiteral renders one untrusted value as a string literal of the engine's
 * dialect: BigQuery and ClickHouse escape with backslashes, PostgreSQL and
 * DuckDB double the quote (standard-conforming strings, backslash is literal).
 */
export function quoteLiteral(engine: Engine, value: string): string {
  switch (engine) {
    case 'bigquery':
    case 'clickhouse':
      return (
        "'" +
        value
          .replace(/\\/g, '\\\\')
          .replace(/'/g, "\\'")
          .replace(/\n/g, '\\n')
          .replace(/\r/g, '\\r')
          .replace(/\t/g, '\\t')
          .replace(/\0/g, '\\0') +
        "'"
      );
    case 'postgres':
    case 'duckdb':
    default:
      // A NUL byte cannot be part of a text value in either engine; drop it.
      return "'" + value.replace(/\0/g, '').replace(/'/g, "''") + "'";
  }
}

/** quoteValue quotes a value as a literal unless it is a plain number. */
export function quoteValue(engine: Engine, value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  return NUMBER.test(s) ? s : quoteLiteral(engine, s);
}

/**
 * formatVariable is the format function handed to TemplateSrv.replace: a
 * single value becomes one literal, several values a comma-separated list of
 * literals (for `IN ($var)`). `${var:raw}` and Grafana's other explicit
 * formats bypass it.
 */
export function formatVariable(engine: Engine) {
  return (value: unknown): string => {
    if (Array.isArray(value)) {
      if (value.length === 0) {
        return 'NULL';
      }
      return value.map((v) => quoteValue(engine, v)).join(',');
    }
    return quoteValue(engine, value);
  };
}

const QUOTED_VAR = /'(\$\w+|\$\{\w+\}|\[\[\w+\]\])'/g;

/**
 * unquoteVariables turns `'$var'` into `$var`: variables are quoted by
 * formatVariable, so a reference the user wrapped in quotes must not be
 * quoted twice. References with an explicit format (`'${var:raw}'`) keep their quotes.
 */
export function unquoteVariables(sql: string): string {
  return sql.replace(QUOTED_VAR, '$1');
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

/** restoreBackendVariables undoes protectBackendVariables. */
export function restoreBackendVariables(sql: string): string {
  return sql.replace(PROTECTED_VARS, '$$$1__');
}
