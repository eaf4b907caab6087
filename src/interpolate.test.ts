import {
  formatVariable,
  markAllInConditionals,
  protectBackendVariables,
  quoteLiteral,
  quoteValue,
  restoreBackendVariables,
  unquoteVariables,
  variableName,
} from './interpolate';
import { Engine } from './types';

describe('quoteLiteral', () => {
  const cases: Array<[Engine, string, string]> = [
    ['bigquery', "it's", "'it\\'s'"],
    ['bigquery', 'a\\b', "'a\\\\b'"],
    ['bigquery', 'line\nbreak', "'line\\nbreak'"],
    ['bigquery', "x' OR 1=1 --", "'x\\' OR 1=1 --'"],
    ['clickhouse', "it's", "'it\\'s'"],
    ['clickhouse', "\\' OR 1=1", "'\\\\\\' OR 1=1'"],
    ['postgres', "it's", "'it''s'"],
    ['postgres', 'a\\b', "'a\\b'"],
    ['postgres', "x' OR '1'='1", "'x'' OR ''1''=''1'"],
    ['duckdb', "it's", "'it''s'"],
    ['duckdb', 'nul\0byte', "'nulbyte'"],
  ];
  it.each(cases)('%s quotes %j as %s', (engine, input, want) => {
    expect(quoteLiteral(engine, input)).toBe(want);
  });
});

describe('quoteValue', () => {
  it('keeps plain numbers as numbers', () => {
    expect(quoteValue('postgres', '42')).toBe('42');
    expect(quoteValue('postgres', '-1.5e3')).toBe('-1.5e3');
    expect(quoteValue('postgres', 42)).toBe('42');
  });
  it('quotes anything that is not a plain number', () => {
    expect(quoteValue('postgres', '42; DROP TABLE x')).toBe("'42; DROP TABLE x'");
    expect(quoteValue('bigquery', '0x10')).toBe("'0x10'");
    expect(quoteValue('clickhouse', '')).toBe("''");
  });
});

describe('formatVariable', () => {
  it('joins multi-value variables as a list of literals', () => {
    expect(formatVariable('postgres')(['web-1', "o'neil", '7'])).toBe("'web-1','o''neil',7");
    expect(formatVariable('bigquery')(['web-1', "o'neil"])).toBe("'web-1','o\\'neil'");
  });
  it('renders an empty selection as NULL so IN () stays valid', () => {
    expect(formatVariable('duckdb')([])).toBe('NULL');
  });
  it('quotes a single value', () => {
    expect(formatVariable('clickhouse')('api')).toBe("'api'");
  });
});

describe('unquoteVariables', () => {
  it('removes quotes the user put around a variable reference', () => {
    expect(unquoteVariables("WHERE host = '$host' AND s = '${service}'")).toBe('WHERE host = $host AND s = ${service}');
  });
  it('keeps quotes around explicitly formatted references and other text', () => {
    expect(unquoteVariables("WHERE re = '${re:raw}' AND a = 'x$host'")).toBe("WHERE re = '${re:raw}' AND a = 'x$host'");
  });
});

describe('variableName', () => {
  it.each([
    ['$host', 'host'],
    ['${host}', 'host'],
    ['${host:csv}', 'host'],
    ['[[host]]', 'host'],
    ['nothing', ''],
  ])('%s -> %s', (ref, name) => expect(variableName(ref)).toBe(name));
});

describe('markAllInConditionals', () => {
  const isAll = (n: string) => n === 'host';
  it('replaces All variables inside $__conditionalAll with the marker', () => {
    const sql = 'SELECT * FROM t WHERE $__conditionalAll(host IN ($host), $host) AND region IN ($region)';
    expect(markAllInConditionals(sql, isAll)).toBe(
      'SELECT * FROM t WHERE $__conditionalAll(host IN ($__all), $__all) AND region IN ($region)'
    );
  });
  it('leaves references outside the conditional and non-All variables alone', () => {
    const sql = "SELECT $host AS h FROM t WHERE $__conditionalAll(region = ')' OR r IN ($region), $region)";
    expect(markAllInConditionals(sql, isAll)).toBe(sql);
  });
  it('handles several conditionals and nested parentheses', () => {
    const sql = '$__conditionalAll(f(x) IN ($host), ${host}) $__conditionalAll(a, [[host]])';
    expect(markAllInConditionals(sql, isAll)).toBe(
      '$__conditionalAll(f(x) IN ($__all), $__all) $__conditionalAll(a, $__all)'
    );
  });
});

describe('protectBackendVariables', () => {
  it('hides the variables the backend expands and restores them unchanged', () => {
    const sql =
      "SELECT '$__interval', $__interval_ms, ${__from:date:iso}, $__to, $__timeFilter(ts), $__fromTime, $host";
    const hidden = protectBackendVariables(sql);
    expect(hidden).not.toContain('$__interval');
    expect(hidden).not.toContain('${__from');
    expect(hidden).toContain('$__timeFilter(ts)');
    expect(hidden).toContain('$__fromTime');
    expect(hidden).toContain('$host');
    expect(restoreBackendVariables(hidden)).toBe(sql);
  });
});
