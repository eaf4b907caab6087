import { analyze, macroSuggestion, tableRefs, tokenize } from './completion';

const at = (sqlWithCursor: string) => {
  const offset = sqlWithCursor.indexOf('|');
  return analyze(sqlWithCursor.replace('|', ''), offset);
};

describe('analyze', () => {
  it('completes macros after $', () => {
    expect(at('SELECT * FROM t WHERE $__ti|')).toEqual({ kind: 'macro', prefix: '$__ti' });
    expect(at('SELECT $|')).toEqual({ kind: 'macro', prefix: '$' });
  });

  it('completes datasets after FROM and tables after dataset.', () => {
    expect(at('SELECT * FROM |')).toEqual({ kind: 'dataset', prefix: '' });
    expect(at('SELECT * FROM sam|')).toEqual({ kind: 'dataset', prefix: 'sam' });
    expect(at('SELECT * FROM sample.ht|')).toEqual({ kind: 'table', dataset: 'sample', prefix: 'ht' });
    expect(at('SELECT * FROM a JOIN sample.|')).toEqual({ kind: 'table', dataset: 'sample', prefix: '' });
  });

  it('completes columns of the tables in FROM, wherever the cursor is', () => {
    expect(at('SELECT ho| FROM sample.http_requests WHERE x')).toEqual({
      kind: 'column',
      tables: [{ dataset: 'sample', table: 'http_requests', alias: undefined }],
      prefix: 'ho',
    });
  });

  it('scopes columns to an alias', () => {
    const ctx = at('SELECT r.| FROM sample.http_requests AS r JOIN sample.deploys d ON d.service = r.service');
    expect(ctx).toEqual({
      kind: 'column',
      tables: [{ dataset: 'sample', table: 'http_requests', alias: 'r' }],
      prefix: '',
      qualified: true,
    });
  });

  it('scopes columns to the query block under the cursor', () => {
    const sql = 'SELECT x FROM a.outer_t WHERE id IN (SELECT | FROM b.inner_t)';
    const ctx = at(sql);
    expect(ctx.kind === 'column' && ctx.tables.map((t) => t.table)).toEqual(['inner_t']);
    const outer = at('SELECT | FROM a.outer_t WHERE id IN (SELECT id FROM b.inner_t)');
    expect(outer.kind === 'column' && outer.tables.map((t) => t.table)).toEqual(['outer_t']);
  });

  it('knows the columns of CTEs and derived tables', () => {
    const cte = at(
      'WITH hourly AS (SELECT $__timeGroup(ts, 1h) AS time, service, sum(n) total FROM s.r GROUP BY 1, 2)\n' +
        'SELECT h.| FROM hourly h'
    );
    expect(cte).toMatchObject({ kind: 'column', tables: [{ table: 'hourly', alias: 'h' }] });
    expect(cte.kind === 'column' && cte.tables[0].columns).toEqual(['time', 'service', 'total']);

    const derived = at('SELECT d.| FROM (SELECT a.x, y AS why, count(*) AS n FROM t a GROUP BY 1, 2) AS d');
    expect(derived.kind === 'column' && derived.tables[0]).toMatchObject({ alias: 'd', columns: ['x', 'why', 'n'] });

    const star = at('SELECT | FROM (SELECT * FROM sample.http_requests) q');
    expect(star.kind === 'column' && star.tables[0].star).toEqual([
      { dataset: 'sample', table: 'http_requests', alias: undefined },
    ]);

    const explicit = at('WITH c(a, b) AS (SELECT 1, 2) SELECT | FROM c');
    expect(explicit.kind === 'column' && explicit.tables[0].columns).toEqual(['a', 'b']);
  });

  it('reads comma-separated FROM lists', () => {
    expect(tableRefs('SELECT * FROM a.x AS p, b.y q WHERE 1=1').map((r) => [r.table, r.alias])).toEqual([
      ['x', 'p'],
      ['y', 'q'],
    ]);
  });

  it('offers nothing inside strings and comments', () => {
    expect(at("SELECT * FROM t WHERE a = 'FROM |").kind).toBe('none');
    expect(at('SELECT 1 -- FROM |').kind).toBe('none');
  });
});

describe('tableRefs', () => {
  it('reads backticked BigQuery paths and skips clause keywords as aliases', () => {
    expect(tableRefs('SELECT * FROM `proj.ds.events_2024` WHERE x = 1')).toEqual([
      { dataset: 'ds', table: 'events_2024', alias: undefined },
    ]);
  });
  it('ignores FROM inside strings and comments', () => {
    expect(tableRefs("SELECT 'FROM x' /* FROM y */ FROM z")).toEqual([{ dataset: '', table: 'z', alias: undefined }]);
  });
  it('tokenizes quoted identifiers as words', () => {
    expect(tokenize('"my table"').map((t) => t.text)).toEqual(['my table']);
  });
});

describe('macroSuggestion', () => {
  it('builds a snippet with the required arguments, signature and docs', () => {
    const s = macroSuggestion({
      name: '$__timeGroup',
      args: ['column', 'interval', '[fill]'],
      description: 'Buckets the column.',
      example: 'SELECT $__timeGroup(ts, $__interval)',
    });
    expect(s.insertText).toBe('\\$__timeGroup(${1:column}, ${2:interval})');
    expect(s.detail).toBe('$__timeGroup(column, interval, [fill])');
    expect(s.documentation).toContain('Buckets the column.');
    expect(s.documentation).toContain('```sql\nSELECT $__timeGroup(ts, $__interval)\n```');
  });
  it('inserts value macros without parentheses and function macros with them', () => {
    expect(
      macroSuggestion({ name: '$__interval', args: [], example: '$__timeGroup(ts, $__interval)' }).insertText
    ).toBe('\\$__interval');
    expect(
      macroSuggestion({ name: '$__unixEpochFrom', args: [], example: 'WHERE s >= $__unixEpochFrom()' }).insertText
    ).toBe('\\$__unixEpochFrom()');
    expect(macroSuggestion({ name: 'timeFilter', args: ['column'] }).label).toBe('$__timeFilter');
  });
});
