import { MacroDoc } from '../../types';

/** TableRef is a table named in a FROM or JOIN clause. */
export interface TableRef {
  dataset: string;
  table: string;
  alias?: string;
}

/** CompletionContext says what belongs at the cursor. */
export type CompletionContext =
  | { kind: 'macro'; prefix: string }
  | { kind: 'dataset'; prefix: string }
  | { kind: 'table'; dataset: string; prefix: string }
  | { kind: 'column'; tables: TableRef[]; prefix: string }
  | { kind: 'none'; prefix: string };

interface Token {
  text: string;
  start: number;
  end: number;
  kind: 'word' | 'punct';
}

/** tokenize splits SQL into words (with quoted identifiers) and punctuation, skipping strings and comments. */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      i = lineEnd(sql, i);
    } else if (c === '#') {
      i = lineEnd(sql, i);
    } else if (c === '/' && sql[i + 1] === '*') {
      const e = sql.indexOf('*/', i + 2);
      i = e < 0 ? sql.length : e + 2;
    } else if (c === "'") {
      const e = closeQuote(sql, i, "'");
      i = e < 0 ? sql.length : e;
    } else if (c === '"' || c === '`') {
      const e = closeQuote(sql, i, c);
      const end = e < 0 ? sql.length : e;
      out.push({ text: sql.slice(i + 1, e < 0 ? end : end - 1), start: i, end, kind: 'word' });
      i = end;
    } else if (/[\w$]/.test(c)) {
      let e = i + 1;
      while (e < sql.length && /[\w$]/.test(sql[e])) {
        e++;
      }
      out.push({ text: sql.slice(i, e), start: i, end: e, kind: 'word' });
      i = e;
    } else {
      out.push({ text: c, start: i, end: i + 1, kind: 'punct' });
      i++;
    }
  }
  return out;
}

function lineEnd(sql: string, i: number): number {
  const e = sql.indexOf('\n', i);
  return e < 0 ? sql.length : e;
}

function closeQuote(sql: string, i: number, q: string): number {
  for (let j = i + 1; j < sql.length; j++) {
    if (sql[j] === '\\' && q === "'") {
      j++;
    } else if (sql[j] === q) {
      if (sql[j + 1] === q) {
        j++;
        continue;
      }
      return j + 1;
    }
  }
  return -1;
}

const TABLE_INTRO = new Set(['FROM', 'JOIN']);
const CLAUSE_END = new Set([
  'WHERE',
  'GROUP',
  'ORDER',
  'HAVING',
  'LIMIT',
  'ON',
  'USING',
  'UNION',
  'QUALIFY',
  'WINDOW',
  'PREWHERE',
  'SETTINGS',
  'FORMAT',
  'JOIN',
  'LEFT',
  'RIGHT',
  'INNER',
  'FULL',
  'CROSS',
  'SELECT',
  'SAMPLE',
  'FINAL',
]);

/** tableRefs finds the tables named after FROM and JOIN, with their aliases. */
export function tableRefs(sql: string): TableRef[] {
  const toks = tokenize(sql);
  const refs: TableRef[] = [];
  for (let i = 0; i < toks.length; i++) {
    if (!TABLE_INTRO.has(toks[i].text.toUpperCase()) || toks[i].kind !== 'word') {
      continue;
    }
    let j = i + 1;
    const parts: string[] = [];
    while (j < toks.length && toks[j].kind === 'word') {
      parts.push(toks[j].text);
      if (toks[j + 1]?.text !== '.') {
        break;
      }
      j += 2;
    }
    if (parts.length === 0) {
      continue;
    }
    // A backticked `project.dataset.table` arrives as one word.
    const path = parts.flatMap((p) => p.split('.'));
    const table = path[path.length - 1];
    const dataset = path.length > 1 ? path[path.length - 2] : '';
    let k = j + 1;
    if (toks[k]?.text.toUpperCase() === 'AS') {
      k++;
    }
    const aliasTok = toks[k];
    const alias =
      aliasTok &&
      aliasTok.kind === 'word' &&
      !CLAUSE_END.has(aliasTok.text.toUpperCase()) &&
      !aliasTok.text.startsWith('$')
        ? aliasTok.text
        : undefined;
    refs.push({ dataset, table, alias });
  }
  return refs;
}

/**
 * analyze looks at the text before the cursor (offset) and says what to
 * complete: a macro after "$", a dataset or table after FROM/JOIN (a table
 * after "dataset."), columns elsewhere, scoped to "alias." when one is typed.
 */
export function analyze(sql: string, offset: number): CompletionContext {
  const before = sql.slice(0, offset);
  const prefix = /[\w$]*$/.exec(before)?.[0] ?? '';
  if (prefix.startsWith('$')) {
    return { kind: 'macro', prefix };
  }
  const head = before.slice(0, before.length - prefix.length);
  const toks = tokenize(head);
  if (insideStringOrComment(head)) {
    return { kind: 'none', prefix };
  }
  const last = toks[toks.length - 1];
  const refs = tableRefs(sql);
  if (last?.text === '.') {
    const qual = toks[toks.length - 2];
    const intro = toks[toks.length - 3];
    if (qual && intro && TABLE_INTRO.has(intro.text.toUpperCase())) {
      return { kind: 'table', dataset: qual.text, prefix };
    }
    if (qual) {
      const byAlias = refs.filter((r) => r.alias === qual.text || (!r.alias && r.table === qual.text));
      return { kind: 'column', tables: byAlias.length ? byAlias : refs, prefix };
    }
  }
  if (last && last.kind === 'word' && TABLE_INTRO.has(last.text.toUpperCase())) {
    return { kind: 'dataset', prefix };
  }
  if (refs.length === 0) {
    return { kind: 'none', prefix };
  }
  return { kind: 'column', tables: refs, prefix };
}

function insideStringOrComment(head: string): boolean {
  let i = 0;
  while (i < head.length) {
    const c = head[i];
    if (c === '-' && head[i + 1] === '-') {
      const e = head.indexOf('\n', i);
      if (e < 0) {
        return true;
      }
      i = e;
    } else if (c === '/' && head[i + 1] === '*') {
      const e = head.indexOf('*/', i + 2);
      if (e < 0) {
        return true;
      }
      i = e + 2;
    } else if (c === "'") {
      const e = closeQuote(head, i, "'");
      if (e < 0) {
        return true;
      }
      i = e;
    } else {
      i++;
    }
  }
  return false;
}

/** Suggestion is an editor-independent completion item. */
export interface Suggestion {
  label: string;
  kind: 'macro' | 'dataset' | 'table' | 'column';
  insertText: string;
  snippet: boolean;
  detail?: string;
  documentation?: string;
}

/** macroName normalizes "timeFilter" and "$__timeFilter" to "$__timeFilter". */
export function macroName(name: string): string {
  return name.startsWith('$') ? name : `$__${name}`;
}

function argList(args: MacroDoc['args']): string[] | undefined {
  if (args === undefined || args === null) {
    return undefined;
  }
  if (Array.isArray(args)) {
    return args;
  }
  const t = args.trim().replace(/^\(|\)$/g, '');
  return t === '' ? [] : t.split(',').map((a) => a.trim());
}

/** macroSuggestion turns a /macros entry into a snippet with its signature and docs. */
export function macroSuggestion(m: MacroDoc): Suggestion {
  const name = macroName(m.name);
  const args = argList(m.args) ?? [];
  // A macro without arguments is a function when its example calls it ($__timeFrom()), a value otherwise ($__interval).
  const call = args.length > 0 || (m.example ?? '').includes(`${name}(`);
  const signature = call ? `${name}(${args.join(', ')})` : name;
  const required = args.filter((a) => !a.startsWith('['));
  const placeholders = required.map((a, i) => `\${${i + 1}:${a.replace(/[$}\\]/g, '')}}`);
  const escaped = name.replace(/\$/g, '\\$');
  const insertText = call ? `${escaped}(${placeholders.join(', ')})` : escaped;
  const docs = [m.description ?? '', m.example ? `Example:\n\n\`\`\`sql\n${m.example}\n\`\`\`` : '']
    .filter(Boolean)
    .join('\n\n');
  return { label: name, kind: 'macro', insertText, snippet: true, detail: signature, documentation: docs };
}

/** startsWithFold filters case-insensitively by the typed prefix. */
export function matchesPrefix(label: string, prefix: string): boolean {
  return prefix === '' || label.toLowerCase().startsWith(prefix.toLowerCase());
}
