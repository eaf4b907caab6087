import { MacroDoc } from '../../types';
import { closeQuote, Token, tokenize } from './tokens';

export { tokenize };

/**
 * TableRef is a FROM item: a table, or a CTE or derived table whose output
 * columns are known from its SQL (columns; star lists the tables a "*" in
 * its select list exposes).
 */
export interface TableRef {
  dataset: string;
  table: string;
  alias?: string;
  columns?: string[];
  star?: TableRef[];
}

/** CompletionContext says what belongs at the cursor. */
export type CompletionContext =
  | { kind: 'macro'; prefix: string }
  | { kind: 'dataset'; prefix: string }
  | { kind: 'table'; dataset: string; prefix: string }
  | { kind: 'column'; tables: TableRef[]; prefix: string; qualified?: boolean }
  | { kind: 'none'; prefix: string };

const TABLE_INTRO = new Set(['FROM', 'JOIN']);
/** STARTS_CLAUSE are words that end a FROM list where a table name is expected ("FROM WHERE" while typing). */
const STARTS_CLAUSE = new Set(['WHERE', 'GROUP', 'ORDER', 'HAVING', 'LIMIT', 'UNION', 'SELECT', 'ON', 'USING']);
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

/**
 * tableRefs finds the tables named after FROM and JOIN anywhere in sql, with
 * their aliases (derived tables and CTE references included).
 */
export function tableRefs(sql: string): TableRef[] {
  const toks = tokenize(sql);
  const ctes = cteColumns(toks);
  const refs: TableRef[] = [];
  for (let i = 0; i < toks.length; i++) {
    if (isIntro(toks[i])) {
      refs.push(...refsAfter(toks, i, ctes));
    }
  }
  return refs;
}

function isIntro(t: Token | undefined): boolean {
  return Boolean(t && t.kind === 'word' && TABLE_INTRO.has(t.text.toUpperCase()));
}

function isWord(t: Token | undefined, w: string): boolean {
  return Boolean(t && t.kind === 'word' && t.text.toUpperCase() === w);
}

/** matching returns the index of the ")" closing the "(" at i (toks.length when unclosed). */
function matching(toks: Token[], i: number): number {
  let depth = 0;
  for (let j = i; j < toks.length; j++) {
    if (toks[j].text === '(' && toks[j].kind === 'punct') {
      depth++;
    } else if (toks[j].text === ')' && toks[j].kind === 'punct') {
      depth--;
      if (depth === 0) {
        return j;
      }
    }
  }
  return toks.length;
}

/** aliasAt reads "[AS] alias" at k; it returns the alias and the index after it. */
function aliasAt(toks: Token[], k: number): { alias?: string; next: number } {
  if (isWord(toks[k], 'AS')) {
    k++;
  }
  const t = toks[k];
  if (t && t.kind === 'word' && !CLAUSE_END.has(t.text.toUpperCase()) && !t.text.startsWith('$')) {
    return { alias: t.text, next: k + 1 };
  }
  return { next: k };
}

/**
 * refsAfter reads the FROM items after the FROM/JOIN at i: dotted names
 * (CTE names resolve to their columns), "(SELECT ...) alias" derived tables,
 * and comma-separated lists.
 */
function refsAfter(toks: Token[], i: number, ctes: Map<string, string[]>): TableRef[] {
  const refs: TableRef[] = [];
  let j = i + 1;
  for (;;) {
    const t = toks[j];
    if (!t) {
      break;
    }
    if (t.text === '(' && t.kind === 'punct') {
      const close = matching(toks, j);
      const inner = toks.slice(j + 1, close);
      const { alias, next } = aliasAt(toks, close + 1);
      if (startsQuery(inner)) {
        const derived = selectOutputs(inner, ctes);
        refs.push({ dataset: '', table: alias ?? '', alias, columns: derived.columns, star: derived.star });
      }
      j = next;
    } else if (t.kind === 'word' && !STARTS_CLAUSE.has(t.text.toUpperCase())) {
      const parts: string[] = [];
      while (j < toks.length && toks[j].kind === 'word') {
        parts.push(toks[j].text);
        if (toks[j + 1]?.text !== '.') {
          break;
        }
        j += 2;
      }
      // A backticked `project.dataset.table` arrives as one word.
      const path = parts.flatMap((p) => p.split('.'));
      const table = path[path.length - 1];
      const dataset = path.length > 1 ? path[path.length - 2] : '';
      const { alias, next } = aliasAt(toks, j + 1);
      const cte = !dataset ? ctes.get(table.toLowerCase()) : undefined;
      refs.push(cte ? { dataset: '', table, alias, columns: cte } : { dataset, table, alias });
      j = next;
    } else {
      break;
    }
    if (toks[j]?.text === ',' && toks[j].kind === 'punct') {
      j++;
      continue;
    }
    break;
  }
  return refs;
}

function startsQuery(toks: Token[]): boolean {
  return isWord(toks[0], 'SELECT') || isWord(toks[0], 'WITH');
}

/** cteColumns maps each CTE name of the statement to its output columns. */
function cteColumns(toks: Token[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < toks.length; i++) {
    // name [(cols)] AS ( query )
    if (!isWord(toks[i], 'AS') || toks[i + 1]?.text !== '(' || i === 0) {
      continue;
    }
    let n = i - 1;
    let explicit: string[] | undefined;
    if (toks[n].text === ')') {
      let open = n;
      while (open > 0 && toks[open].text !== '(') {
        open--;
      }
      explicit = toks
        .slice(open + 1, n)
        .filter((t) => t.kind === 'word')
        .map((t) => t.text);
      n = open - 1;
    }
    const name = toks[n];
    const before = toks[n - 1];
    const isCte =
      name?.kind === 'word' && (isWord(before, 'WITH') || isWord(before, 'RECURSIVE') || before?.text === ',');
    if (!isCte) {
      continue;
    }
    const close = matching(toks, i + 1);
    const body = toks.slice(i + 2, close);
    if (!startsQuery(body)) {
      continue;
    }
    out.set(name.text.toLowerCase(), explicit ?? selectOutputs(body, out).columns);
  }
  return out;
}

/** selectOutputs names the output columns of a query's (first) select list; star says it has a "*". */
function selectOutputs(toks: Token[], ctes: Map<string, string[]>): { columns: string[]; star?: TableRef[] } {
  let depth = 0;
  let start = -1;
  let end = toks.length;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.text === '(' && t.kind === 'punct') {
      depth++;
    } else if (t.text === ')' && t.kind === 'punct') {
      depth--;
    } else if (depth === 0 && start < 0 && isWord(t, 'SELECT')) {
      start = i + 1;
      if (isWord(toks[start], 'DISTINCT') || isWord(toks[start], 'ALL')) {
        start++;
      }
    } else if (depth === 0 && start >= 0 && (isWord(t, 'FROM') || isWord(t, 'UNION') || isWord(t, 'LIMIT'))) {
      end = i;
      break;
    }
  }
  if (start < 0) {
    return { columns: [] };
  }
  const columns: string[] = [];
  let star = false;
  let item: Token[] = [];
  const flush = () => {
    const last = item[item.length - 1];
    if (!last) {
      return;
    }
    if (last.text === '*') {
      star = true;
    } else if (last.kind === 'word' && !isWord(last, 'END')) {
      // "expr AS name", "expr name", "t.col", "col".
      columns.push(last.text);
    }
    item = [];
  };
  depth = 0;
  for (let i = start; i < end; i++) {
    const t = toks[i];
    if (t.text === '(' && t.kind === 'punct') {
      depth++;
    } else if (t.text === ')' && t.kind === 'punct') {
      depth--;
    }
    if (depth === 0 && t.text === ',' && t.kind === 'punct') {
      flush();
    } else {
      item.push(t);
    }
  }
  flush();
  if (!star) {
    return { columns };
  }
  // "*" exposes the columns of the query's own FROM tables.
  const inner: TableRef[] = [];
  for (let i = end; i < toks.length; i++) {
    if (isIntro(toks[i])) {
      inner.push(...refsAfter(toks, i, ctes));
    }
  }
  return { columns, star: inner };
}

/** Scope is the query block under the cursor: its token range within the statement. */
interface Scope {
  start: number;
  end: number;
}

/**
 * scopeAt finds the innermost query block around offset: a parenthesized
 * SELECT/WITH (subquery, CTE body, derived table) or else the statement
 * (bounded by ";").
 */
function scopeAt(toks: Token[], offset: number): Scope {
  let stmtStart = 0;
  let stmtEnd = toks.length;
  for (let i = 0; i < toks.length; i++) {
    if (toks[i].text === ';' && toks[i].kind === 'punct') {
      if (toks[i].end <= offset) {
        stmtStart = i + 1;
      } else {
        stmtEnd = i;
        break;
      }
    }
  }
  let best: Scope = { start: stmtStart, end: stmtEnd };
  const stack: number[] = [];
  for (let i = stmtStart; i < stmtEnd; i++) {
    const t = toks[i];
    if (t.kind !== 'punct') {
      continue;
    }
    if (t.text === '(') {
      stack.push(i);
    } else if (t.text === ')') {
      const open = stack.pop();
      if (
        open !== undefined &&
        toks[open].end <= offset &&
        offset <= t.start &&
        startsQuery(toks.slice(open + 1, open + 2))
      ) {
        if (open + 1 >= best.start) {
          best = { start: open + 1, end: i };
        }
      }
    }
  }
  // An unclosed "(SELECT" around the cursor (still being typed).
  for (const open of stack) {
    if (toks[open].end <= offset && startsQuery(toks.slice(open + 1, open + 2)) && open + 1 >= best.start) {
      best = { start: open + 1, end: stmtEnd };
    }
  }
  return best;
}

/** scopeRefs lists the FROM items of the block (not of blocks nested in it). */
function scopeRefs(toks: Token[], scope: Scope, ctes: Map<string, string[]>): TableRef[] {
  const refs: TableRef[] = [];
  let depth = 0;
  for (let i = scope.start; i < scope.end; i++) {
    const t = toks[i];
    if (t.text === '(' && t.kind === 'punct') {
      depth++;
    } else if (t.text === ')' && t.kind === 'punct') {
      depth--;
    } else if (depth === 0 && isIntro(t)) {
      refs.push(...refsAfter(toks.slice(0, scope.end), i, ctes));
    }
  }
  return refs;
}

/**
 * analyze looks at the text before the cursor (offset) and says what to
 * complete: a macro or variable after "$", a dataset or table after
 * FROM/JOIN (a table after "dataset."), else columns of the query block under
 * the cursor (its CTEs and derived tables included), scoped to "alias." when
 * one is typed.
 */
export function analyze(sql: string, offset: number): CompletionContext {
  const before = sql.slice(0, offset);
  const prefix = /[\w$]*$/.exec(before)?.[0] ?? '';
  const head = before.slice(0, before.length - prefix.length);
  if (insideStringOrComment(head)) {
    return { kind: 'none', prefix };
  }
  if (prefix.startsWith('$')) {
    return { kind: 'macro', prefix };
  }
  const headToks = tokenize(head);
  const last = headToks[headToks.length - 1];
  const toks = tokenize(sql);
  const ctes = cteColumns(toks);
  const refs = scopeRefs(toks, scopeAt(toks, head.length), ctes);
  if (last?.text === '.') {
    const qual = headToks[headToks.length - 2];
    const intro = headToks[headToks.length - 3];
    if (qual && intro && TABLE_INTRO.has(intro.text.toUpperCase())) {
      return { kind: 'table', dataset: qual.text, prefix };
    }
    if (qual) {
      const byAlias = refs.filter((r) => r.alias === qual.text || (!r.alias && r.table === qual.text));
      return { kind: 'column', tables: byAlias.length ? byAlias : refs, prefix, qualified: true };
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
  kind: 'macro' | 'dataset' | 'table' | 'column' | 'function' | 'keyword' | 'variable';
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
