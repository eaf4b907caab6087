import { ResourceClient } from '../../api';
import { provideCompletion, runShortcutLabel, toMarker } from './SqlEditor';

jest.mock('@grafana/ui', () => ({}));

function client(): ResourceClient {
  const caller = {
    getResource: jest.fn(async (path: string, params?: Record<string, string>) => {
      switch (path) {
        case 'macros':
          return { macros: [{ name: '$__timeFilter', args: ['column'] }] };
        case 'schema/functions':
          return {
            functions: [
              { name: 'date_trunc', signature: '(text, timestamp)', returns: 'timestamp', kind: 'scalar' },
              { name: 'date_part', signature: '(text, timestamp)', kind: 'scalar' },
              { name: 'sum', signature: '(bigint)', kind: 'aggregate' },
            ],
          };
        case 'schema/columns':
          return {
            name: params?.table,
            columns: [
              { name: 'ts', type: 'TIMESTAMP' },
              { name: 'service', type: 'VARCHAR' },
            ],
          };
        default:
          return [];
      }
    }),
    postResource: jest.fn(),
  };
  return new ResourceClient(caller as unknown as ConstructorParameters<typeof ResourceClient>[0]);
}

describe('SqlEditor completion provider', () => {
  it('offers block columns, then server functions with signatures, then dialect keywords', async () => {
    const sql = 'SELECT da FROM sample.http_requests';
    const { prefix, items } = await provideCompletion(sql, 'SELECT da'.length, {
      resources: client(),
      engine: 'duckdb',
    });
    expect(prefix).toBe('da');
    const fn = items.find((i) => i.label === 'date_trunc');
    expect(fn).toMatchObject({ kind: 'function', insertText: 'date_trunc($0)', snippet: true });
    expect(fn?.detail).toBe('scalar date_trunc(text, timestamp)');
    expect(fn?.documentation).toContain('date_trunc(text, timestamp) → timestamp');
    expect(items.map((i) => i.label)).not.toContain('sum');
  });

  it('puts columns before functions and keywords', async () => {
    const { items } = await provideCompletion('SELECT s FROM sample.http_requests', 'SELECT s'.length, {
      resources: client(),
      engine: 'postgres',
    });
    const kinds = items.map((i) => i.kind);
    expect(items[0]).toMatchObject({ label: 'service', kind: 'column' });
    expect(kinds.indexOf('function')).toBeGreaterThan(kinds.indexOf('column'));
    expect(items.find((i) => i.label === 'SELECT')?.kind).toBe('keyword');
    // A PostgreSQL keyword, not a ClickHouse one.
    expect(items.map((i) => i.label)).toContain('SIMILAR');
    expect(items.map((i) => i.label)).not.toContain('SETTINGS');
  });

  it('offers macros and dashboard variables after $', async () => {
    const { items } = await provideCompletion('SELECT * FROM t WHERE $', 'SELECT * FROM t WHERE $'.length, {
      resources: client(),
      engine: 'duckdb',
      variables: () => ['service'],
    });
    expect(items.map((i) => i.label)).toEqual(['$__timeFilter', '${service}', '$service']);
    expect(items[1].insertText).toBe('\\${service\\}');
  });
});

describe('toMarker', () => {
  const monaco = { MarkerSeverity: { Error: 8, Warning: 4 } } as never;
  const model = {
    getLineCount: () => 2,
    getLineMaxColumn: (line: number) => (line === 1 ? 20 : 10),
    getWordAtPosition: ({ column }: { column: number }) =>
      column === 8 ? { word: 'servce', startColumn: 8, endColumn: 14 } : null,
  };

  it('covers the word at the planner position', () => {
    expect(toMarker(monaco, model as never, { severity: 'error', message: 'm', line: 1, column: 8 })).toMatchObject({
      severity: 8,
      startLineNumber: 1,
      startColumn: 8,
      endColumn: 14,
    });
  });

  it('clamps positions past the end and marks at least one character', () => {
    expect(toMarker(monaco, model as never, { severity: 'warning', message: 'm', line: 9, column: 3 })).toMatchObject({
      severity: 4,
      startLineNumber: 2,
      startColumn: 3,
      endColumn: 4,
    });
  });
});

describe('run shortcut', () => {
  it('is shown as Ctrl+Enter, or ⌘+Enter on a Mac', () => {
    expect(runShortcutLabel('Linux x86_64')).toBe('Ctrl+Enter');
    expect(runShortcutLabel('MacIntel')).toBe('⌘+Enter');
  });
});
