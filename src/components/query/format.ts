import { format, SqlLanguage } from 'sql-formatter';

import { Engine } from '../../types';

/** sql-formatter's language names (v15) for each engine. */
export const FORMATTER_LANGUAGE: Record<Engine, SqlLanguage> = {
  bigquery: 'bigquery',
  postgres: 'postgresql',
  duckdb: 'duckdb',
  clickhouse: 'clickhouse',
};

/**
 * protectMacros replaces every macro and dashboard variable — $__name(...)
 * with balanced parentheses (quotes respected), $__name, ${...}, $name and
 * [[name]] — by a plain identifier, so the formatter never touches them.
 * restore puts the original text back byte for byte.
 */
export function protectMacros(sql: string): { text: string; restore: (formatted: string) => string } {
  const saved: string[] = [];
  let out = '';
  let i = 0;
  const hold = (s: string) => {
    out += `quarry_macro_${saved.length}_`;
    saved.push(s);
  };
  while (i < sql.length) {
    const rest = sql.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^\$__\w+/.exec(rest))) {
      let end = i + m[0].length;
      let ws = end;
      while (ws < sql.length && (sql[ws] === ' ' || sql[ws] === '\t')) {
        ws++;
      }
      if (sql[ws] === '(') {
        end = closeParen(sql, ws);
      }
      hold(sql.slice(i, end));
      i = end;
    } else if ((m = /^\$\{[^}]*\}|^\$[A-Za-z_]\w*|^\[\[[^\]]*\]\]/.exec(rest))) {
      hold(m[0]);
      i += m[0].length;
    } else {
      out += sql[i];
      i++;
    }
  }
  const restore = (formatted: string) =>
    formatted.replace(/quarry_macro_(\d+)_/g, (whole, n: string) => saved[Number(n)] ?? whole);
  return { text: out, restore };
}

/** closeParen returns the index after the ")" matching the "(" at open (quotes and nesting respected). */
function closeParen(sql: string, open: number): number {
  let depth = 0;
  let quote = '';
  for (let j = open; j < sql.length; j++) {
    const c = sql[j];
    if (quote) {
      if (c === '\\') {
        j++;
      } else if (c === quote) {
        quote = '';
      }
    } else if (c === "'" || c === '"' || c === '`') {
      quote = c;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
      if (depth === 0) {
        return j + 1;
      }
    }
  }
  return sql.length;
}

/**
 * formatSql pretty-prints sql in the engine's dialect, leaving macros and
 * variables byte-identical. It throws the formatter's error when the SQL
 * cannot be formatted (the caller keeps the text as it was).
 */
export function formatSql(sql: string, engine: Engine): string {
  const { text, restore } = protectMacros(sql);
  const formatted = format(text, {
    language: FORMATTER_LANGUAGE[engine] ?? 'sql',
    keywordCase: 'upper',
    tabWidth: 2,
  });
  return restore(formatted);
}
