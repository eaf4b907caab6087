import { ResourceClient } from '../../api';
import { CompletionContext, macroSuggestion, matchesPrefix, Suggestion } from './completion';

const MAX_TABLES = 4;

/** suggestionsFor fetches what fits the context: macros from /macros, schema from /schema/*. */
export async function suggestionsFor(ctx: CompletionContext, api: ResourceClient): Promise<Suggestion[]> {
  switch (ctx.kind) {
    case 'macro': {
      const macros = await api.macros();
      return macros.map(macroSuggestion).filter((s) => matchesPrefix(s.label, ctx.prefix));
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
      const schemas = await Promise.all(
        ctx.tables.slice(0, MAX_TABLES).map((t) => api.columns(t.dataset, t.table).catch(() => undefined))
      );
      const seen = new Set<string>();
      const out: Suggestion[] = [];
      schemas.forEach((s, i) => {
        for (const c of s?.columns ?? []) {
          if (seen.has(c.name) || !matchesPrefix(c.name, ctx.prefix)) {
            continue;
          }
          seen.add(c.name);
          const t = ctx.tables[i];
          out.push({
            label: c.name,
            kind: 'column',
            insertText: c.name,
            snippet: false,
            detail: `${c.type} · ${t.dataset ? `${t.dataset}.` : ''}${t.table}`,
          });
        }
      });
      return out;
    }
    default:
      return [];
  }
}
