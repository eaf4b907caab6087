import { ResourceClient } from '../../api';
import { Engine, ServerFunction } from '../../types';
import { CompletionContext, macroSuggestion, matchesPrefix, Suggestion, TableRef } from './completion';
import { keywordsFor } from './language';

const MAX_TABLES = 4;
const MAX_FUNCTIONS = 200;

/** SuggestionSources are what completion draws from besides the backend. */
export interface SuggestionSources {
  api: ResourceClient;
  engine: Engine;
  /** variables names the dashboard's variables (getTemplateSrv().getVariables()). */
  variables?: () => string[];
}

/**
 * suggestionsFor fetches what fits the context: macros and dashboard
 * variables after "$", schema from /schema/*, and in expressions the block's
 * columns, then the server's functions (/schema/functions), then keywords.
 */
export async function suggestionsFor(ctx: CompletionContext, src: SuggestionSources): Promise<Suggestion[]> {
  const { api, engine, variables } = src;
  switch (ctx.kind) {
    case 'macro': {
      const macros = await api.macros().catch(() => []);
      return [
        ...macros.map(macroSuggestion).filter((s) => matchesPrefix(s.label, ctx.prefix)),
        ...variableSuggestions(variables?.() ?? [], ctx.prefix),
      ];
    }
    case 'dataset': {
      const datasets = await api.datasets();
      return datasets
        .filter((d) => matchesPrefix(d, ctx.prefix))
        .map((d) => ({ label: d, kind: 'dataset', insertText: d, snippet: false, detail: 'dataset' }));
    }
    case 'table': {
      const tables = await api.tables(ctx.dataset);
      return tables
        .filter((t) => matchesPrefix(t, ctx.prefix))
        .map((t) => ({ label: t, kind: 'table', insertText: t, snippet: false, detail: `table in ${ctx.dataset}` }));
    }
    case 'column': {
      const columns = await columnSuggestions(ctx.tables, ctx.prefix, api);
      if (ctx.qualified) {
        return columns;
      }
      const functions = await api.functions().catch(() => [] as ServerFunction[]);
      return [...columns, ...functionSuggestions(functions, ctx.prefix), ...keywordSuggestions(engine, ctx.prefix)];
    }
    case 'none': {
      if (!ctx.prefix) {
        return [];
      }
      const functions = await api.functions().catch(() => [] as ServerFunction[]);
      return [...keywordSuggestions(engine, ctx.prefix), ...functionSuggestions(functions, ctx.prefix)];
    }
    default:
      return [];
  }
}

/** columnSuggestions lists the columns of the FROM items: fetched for tables, from the SQL for CTEs and subqueries. */
async function columnSuggestions(tables: TableRef[], prefix: string, api: ResourceClient): Promise<Suggestion[]> {
  const seen = new Set<string>();
  const out: Suggestion[] = [];
  const add = (name: string, detail: string) => {
    if (!seen.has(name) && matchesPrefix(name, prefix)) {
      seen.add(name);
      out.push({ label: name, kind: 'column', insertText: name, snippet: false, detail });
    }
  };
  const physical: TableRef[] = [];
  for (const t of tables) {
    if (t.columns) {
      t.columns.forEach((c) => add(c, `column of ${t.alias ?? t.table}`));
      physical.push(...(t.star ?? []));
    } else {
      physical.push(t);
    }
  }
  const schemas = await Promise.all(
    physical.slice(0, MAX_TABLES).map((t) => api.columns(t.dataset, t.table).catch(() => undefined))
  );
  schemas.forEach((s, i) => {
    const t = physical[i];
    for (const c of s?.columns ?? []) {
      add(c.name, `${c.type} · ${t.dataset ? `${t.dataset}.` : ''}${t.table}`);
    }
  });
  return out;
}

/** functionSuggestions turns server functions into snippets "name($0)" with the signature and docs. */
export function functionSuggestions(functions: ServerFunction[], prefix: string): Suggestion[] {
  if (!prefix) {
    return [];
  }
  const byName = new Map<string, ServerFunction[]>();
  for (const f of functions) {
    if (matchesPrefix(f.name, prefix)) {
      byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
    }
  }
  return Array.from(byName.entries())
    .slice(0, MAX_FUNCTIONS)
    .map(([name, overloads]) => {
      const first = overloads[0];
      const signatures = overloads
        .map((f) => `${name}${f.signature ?? ''}${f.returns ? ` → ${f.returns}` : ''}`)
        .slice(0, 8);
      const more = overloads.length > 8 ? `\n\n(${overloads.length - 8} more overloads)` : '';
      return {
        label: name,
        kind: 'function' as const,
        insertText: `${name}($0)`,
        snippet: true,
        detail: `${first.kind} ${name}${first.signature ?? '(…)'}`,
        documentation:
          ['```\n' + signatures.join('\n') + '\n```', first.description ?? ''].filter(Boolean).join('\n\n') + more,
      };
    });
}

/** keywordSuggestions lists the dialect's keywords matching a typed prefix. */
export function keywordSuggestions(engine: Engine, prefix: string): Suggestion[] {
  if (!prefix) {
    return [];
  }
  return keywordsFor(engine)
    .filter((k) => matchesPrefix(k, prefix))
    .map((k) => ({ label: k, kind: 'keyword', insertText: k, snippet: false, detail: 'keyword' }));
}

/** variableSuggestions offers each dashboard variable as ${name} and $name. */
export function variableSuggestions(names: string[], prefix: string): Suggestion[] {
  const out: Suggestion[] = [];
  for (const name of names) {
    for (const text of [`\${${name}}`, `$${name}`]) {
      if (matchesPrefix(text, prefix) || matchesPrefix(`$${name}`, prefix)) {
        out.push({
          label: text,
          kind: 'variable',
          insertText: text.replace(/\$/g, '\\$').replace(/}/g, '\\}'),
          snippet: true,
          detail: 'dashboard variable',
        });
      }
    }
  }
  return out;
}
