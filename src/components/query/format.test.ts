import { formatSql, protectMacros } from './format';
import { ENGINES } from '../../types';

const MACROS = [
  '$__timeFilter(ts)',
  '$__timeGroup(ts, 5m)',
  "$__timeGroup(ts, '1h', previous)",
  '$__conditionalAll(service IN ($service), $service)',
  '${var}',
  '${var:csv}',
  '$var',
  '[[var]]',
  '$__interval',
];

describe('formatSql', () => {
  it.each(ENGINES)('keeps every macro and variable byte-identical (%s)', (engine) => {
    const sql =
      'select $__timeGroup(ts, 5m) as time, service, count(*) from sample.http_requests where $__timeFilter(ts) ' +
      "and service = '${var}' and host = $var and region = [[var]] and $__conditionalAll(service IN ($service), $service) " +
      "group by 1, 2 having count(*) > 0 order by 1 -- $__timeGroup(ts, '1h', previous) in a comment\n" +
      'limit $__interval';
    const out = formatSql(sql, engine);
    for (const m of MACROS) {
      expect(out.split(m).length).toBe(sql.split(m).length);
    }
    // It did format: keywords upper-cased and clauses on their own lines.
    expect(out).toMatch(/^SELECT\b/);
    expect(out).toMatch(/\nFROM\b/);
    expect(out).toMatch(/\nWHERE\b/);
    expect(out).not.toContain('quarry_macro_');
  });

  it('is stable: formatting twice gives the same text', () => {
    const once = formatSql('select a,b from t where $__timeFilter(ts)', 'postgres');
    expect(formatSql(once, 'postgres')).toBe(once);
  });
});

describe('protectMacros', () => {
  it('round-trips text it did not format', () => {
    const sql = "SELECT $__timeGroup(ts, ')') , ${a} [[b]] $c FROM t";
    const { text, restore } = protectMacros(sql);
    expect(text).not.toMatch(/\$|\[\[/);
    expect(restore(text)).toBe(sql);
  });
});
