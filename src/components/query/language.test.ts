import { languageId, monarch } from './language';

describe('per-dialect highlighting', () => {
  it('names one language per engine', () => {
    expect(languageId('bigquery')).toBe('quarry-bigquery');
  });

  it('uses backslash escapes and backtick identifiers for BigQuery and ClickHouse', () => {
    for (const engine of ['bigquery', 'clickhouse'] as const) {
      const m = monarch(engine);
      expect(JSON.stringify(m.tokenizer.string)).toContain('string.escape');
      expect(String((m.tokenizer.string[1] as unknown[])[0])).toBe(String(/\\./));
      const opensQuoted = m.tokenizer.root.find((r) => JSON.stringify((r as unknown[])[1]).includes('@quoted')) as [
        RegExp,
      ];
      expect(opensQuoted[0].test('`')).toBe(true);
      expect(opensQuoted[0].test('"')).toBe(false);
    }
    const hashComment = (e: 'bigquery' | 'postgres') =>
      monarch(e).tokenizer.root.some((r) => String((r as unknown[])[0]) === String(/#.*$/));
    expect(hashComment('bigquery')).toBe(true);
    expect(hashComment('postgres')).toBe(false);
  });

  it('uses doubled quotes and double-quoted identifiers for PostgreSQL and DuckDB', () => {
    for (const engine of ['postgres', 'duckdb'] as const) {
      const m = monarch(engine);
      expect(String((m.tokenizer.string[1] as unknown[])[0])).toBe(String(/''/));
      expect(String((m.tokenizer.quoted[0] as unknown[])[0])).toBe(String(/[^"]+/));
    }
  });

  it('knows each dialect’s own keywords and highlights macros apart from variables', () => {
    expect(monarch('clickhouse').keywords).toContain('PREWHERE');
    expect(monarch('postgres').keywords).not.toContain('PREWHERE');
    expect(monarch('bigquery').keywords).toContain('QUALIFY');
    const root = monarch('duckdb').tokenizer.root as unknown[][];
    expect(root[0]).toEqual([/\$__\w+/, 'predefined']);
    expect(root[1][1]).toBe('variable');
  });
});
