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
    ['postgres', 'a\\b', "E'a\\\\b'"],
    ['postgres', "it's a\\b", "E'it''s a\\\\b'"],
    ['bigquery', 'nul\0ctl\x01', "'nul\\x00ctl\\x01'"],
    ['clickhouse', 'nul\0', "'nul\\0'"],
    ['duckdb', 'a\\b', "'a\\b'"],
    ['postgres', "x' OR '1'='1", "'x'' OR ''1''=''1'"],
    ['duckdb', "it's", "'it''s'"],
  ];
  it.each(cases)('%s quotes %j as %s', (engine, input, want) => {
    expect(quoteLiteral(engine, input)).toBe(want);
  });
  it('refuses NUL for PostgreSQL and DuckDB, as the backend does', () => {
    expect(() => quoteLiteral('duckdb', 'nul\0byte')).toThrow(/NUL/);
    expect(() => quoteLiteral('postgres', 'nul\0byte')).toThrow(/NUL/);
  });
});

describe('quoteValue', () => {
  it('keeps plain numbers as numbers', () => {
    expect(quoteValue('postgres', '42')).toBe('42');
    expect(quoteValue('postgres', '-1.5e3')).toBe('(-1.5e3)');
    expect(quoteValue('postgres', 42)).toBe('42');
  });
  it('quotes anything that is not a plain number', () => {
    expect(quoteValue('postgres', '42; DROP TABLE x')).toBe("'42; DROP TABLE x'");
    expect(quoteValue('bigquery', '0x10')).toBe("'0x10'");
    expect(quoteValue('clickhouse', '')).toBe("''");
  });
});

/**
 * interpolate runs the pipeline the data source runs: TemplateSrv.replace
 * with formatVariable, then restoreBackendVariables (which renders values).
 * The replacer expands $name, ${name} and [[name]] from vars, as Grafana's
 * does for a format function.
 */
function interpolate(engine: Engine, sql: string, vars: Record<string, string | string[]>): string {
  const format = formatVariable(engine);
  const replaced = unquoteVariables(protectBackendVariables(sql)).replace(
    /\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)\]\]/g,
    (m, a, b, c) => {
      const v = vars[a ?? b ?? c];
      return v === undefined ? m : format(v);
    }
  );
  return restoreBackendVariables(replaced);
}

describe('formatVariable', () => {
  it('joins multi-value variables as a list of literals', () => {
    expect(interpolate('postgres', 'IN ($v)', { v: ['web-1', "o'neil", '7'] })).toBe("IN ('web-1','o''neil',7)");
    expect(interpolate('bigquery', 'IN ($v)', { v: ['web-1', "o'neil"] })).toBe("IN ('web-1','o\\'neil')");
  });
  it('renders an empty selection as NULL so IN () stays valid', () => {
    expect(interpolate('duckdb', 'IN ($v)', { v: [] })).toBe('IN (NULL)');
  });
  it('quotes a single value', () => {
    expect(interpolate('clickhouse', 'x = $v', { v: 'api' })).toBe("x = 'api'");
  });
  it('writes placeholders that no quote, comment or variable syntax can break', () => {
    const p = formatVariable('postgres')(["x' -- $y /* ${z}", '\\']);
    expect(p).not.toMatch(/['"`\\$-]|\/\*/);
  });
});

describe('values inside string literals', () => {
  const cases: Array<[string, Engine, string, Record<string, string | string[]>, string]> = [
    ['partial quoting, LIKE', 'postgres', "WHERE h LIKE '%$v%'", { v: "o'neil" }, "WHERE h LIKE '%o''neil%'"],
    ['partial quoting, suffix', 'duckdb', "SELECT '$v-suffix'", { v: 'a' }, "SELECT 'a-suffix'"],
    ['braces in a string', 'clickhouse', "SELECT 'pre-${v}-post'", { v: "it's\\" }, "SELECT 'pre-it\\'s\\\\-post'"],
    ['BigQuery backslash escapes', 'bigquery', "WHERE h LIKE '%$v%'", { v: "x'\n" }, "WHERE h LIKE '%x\\'\\n%'"],
    ['BigQuery double-quoted string', 'bigquery', 'WHERE h = "$v"', { v: 'say "hi"' }, 'WHERE h = "say \\"hi\\""'],
    ['number keeps the quotes the SQL gave it', 'postgres', "WHERE code = '$v'", { v: '007' }, "WHERE code = '007'"],
    ['negative number keeps its quotes', 'clickhouse', "WHERE s = '$v'", { v: '-1' }, "WHERE s = '-1'"],
    ['two references in one literal', 'postgres', "SELECT '$a/$b'", { a: 'x', b: "y'" }, "SELECT 'x/y'''"],
    [
      'multi-value inside a literal is joined',
      'duckdb',
      "WHERE s LIKE '%$v%'",
      { v: ['a', "b'"] },
      "WHERE s LIKE '%a,b''%'",
    ],
    [
      "'$var' with several values is a list",
      'postgres',
      "WHERE h IN ('$v')",
      { v: ['a', '1'] },
      "WHERE h IN ('a','1')",
    ],
    [
      'PostgreSQL literal that gets a backslash becomes E-string',
      'postgres',
      "SELECT 'a\\b $v'",
      { v: 'c\\d' },
      "SELECT E'a\\\\b c\\\\d'",
    ],
    ['PostgreSQL E-string', 'postgres', "SELECT E'\\t$v'", { v: "x\\'" }, "SELECT E'\\tx\\\\'''"],
    ['doubled quotes before the value', 'postgres', "SELECT 'it''s $v'", { v: "o'k" }, "SELECT 'it''s o''k'"],
    ['quoted identifier', 'postgres', 'SELECT "$v" FROM t', { v: 'we"ird' }, 'SELECT "we""ird" FROM t'],
    ['BigQuery backticks', 'bigquery', 'SELECT * FROM `proj.$v`', { v: 'ds' }, 'SELECT * FROM `proj.ds`'],
    [
      'quote in a comment does not open a literal',
      'postgres',
      "-- it's\nSELECT $v, '$v'",
      { v: 'a' },
      "-- it's\nSELECT 'a', 'a'",
    ],
    [
      'value outside beside a literal',
      'postgres',
      "SELECT 'x', $v",
      { v: "'); DROP TABLE t; --" },
      "SELECT 'x', '''); DROP TABLE t; --'",
    ],
  ];
  it.each(cases)('%s', (_, engine, sql, vars, want) => {
    expect(interpolate(engine, sql, vars)).toBe(want);
  });
  it('refuses a value that a BigQuery raw string cannot hold', () => {
    expect(() => interpolate('bigquery', "SELECT r'$v'", { v: "a'b" })).toThrow(/raw string/);
    expect(interpolate('bigquery', "SELECT r'\\d+$v'", { v: 'x' })).toBe("SELECT r'\\d+x'");
  });
  it('refuses NUL inside a PostgreSQL literal', () => {
    expect(() => interpolate('postgres', "SELECT '$v'", { v: 'a\0' })).toThrow(/NUL/);
  });
});

describe('numbers beside operators', () => {
  it('never lets a negative number start a comment', () => {
    for (const engine of ['postgres', 'clickhouse', 'bigquery', 'duckdb'] as const) {
      const out = interpolate(engine, 'SELECT 1-$v, 2 -$v', { v: '-1' });
      expect(out).toBe('SELECT 1-(-1), 2 -(-1)');
      expect(out).not.toContain('--');
    }
  });
  it('keeps positive numbers bare', () => {
    expect(interpolate('clickhouse', 'LIMIT $n', { n: '5' })).toBe('LIMIT 5');
    expect(interpolate('postgres', 'IN ($v)', { v: ['1', '-2'] })).toBe('IN (1,(-2))');
  });
});

describe('unquoteVariables', () => {
  it('no longer unquotes: a quoted reference is escaped into its literal', () => {
    expect(unquoteVariables("WHERE host = '$host'")).toBe("WHERE host = '$host'");
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
