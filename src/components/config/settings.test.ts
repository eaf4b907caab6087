import fs from 'fs';
import path from 'path';

import { Engine, QuarryOptions } from '../../types';
import { formatDuration, goQuote, parseDuration, settingError, SETTINGS, settingSpec } from './settings';

// The backend writes this listing from its own defaults and validation
// (go test ./pkg/plugin -run TestSettingsFieldsGolden -update).
interface GoldenField {
  engine: Engine | 'common';
  key: keyof QuarryOptions;
  default: number | string | boolean | string[];
  cases: Array<{ value: never; message: string }>;
}
const golden: { fields: GoldenField[] } = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../../pkg/plugin/testdata/settings_fields.golden.json'), 'utf8')
);

const isDuration = (s: unknown) => typeof s === 'string' && /^[-+]?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(s);

describe('config settings match the backend', () => {
  it('the listing has rows for every engine', () => {
    const engines = new Set(golden.fields.map((f) => f.engine));
    expect([...engines].sort()).toEqual(['bigquery', 'clickhouse', 'common', 'duckdb', 'postgres']);
    expect(golden.fields.reduce((n, f) => n + f.cases.length, 0)).toBeGreaterThan(40);
  });

  for (const f of golden.fields) {
    describe(`${f.engine} ${f.key}`, () => {
      const spec = SETTINGS.find((s) => s.engine === f.engine && s.key === f.key);

      it('has a spec with the backend default', () => {
        expect(spec).toBeDefined();
        if (isDuration(f.default)) {
          // Durations compare by value: "1m0s" is the page's "60s".
          expect(parseDuration(spec!.default)).toBe(parseDuration(f.default));
          expect(parseDuration(spec!.defaultText)).toBe(parseDuration(f.default));
        } else {
          expect(spec!.default).toEqual(f.default);
        }
      });

      const engine: Engine = f.engine === 'common' ? 'duckdb' : f.engine;
      for (const c of f.cases) {
        it(`refuses ${JSON.stringify(c.value)} with the backend's message`, () => {
          expect(settingError(engine, f.key, c.value)).toBe(c.message);
        });
      }

      it('accepts the default', () => {
        if (f.default !== '') {
          expect(settingError(engine, f.key, f.default as never)).toBeUndefined();
        }
      });
    });
  }

  it('every spec is in the backend listing (no check the backend does not make)', () => {
    for (const s of SETTINGS) {
      expect(golden.fields.some((f) => f.engine === s.engine && f.key === s.key)).toBe(true);
    }
  });

  it('accepts the project IDs the backend accepts (Google: 6-30 characters, a letter first, no hyphen last)', () => {
    for (const id of ['quarry', 'quarry-test', 'example.com:my-project', 'a' + '1'.repeat(29)]) {
      expect(settingError('bigquery', 'defaultProject', id as never)).toBeUndefined();
    }
  });

  it('finds the engine spec before the common one', () => {
    expect(settingSpec('clickhouse', 'port')?.default).toBe(9000);
    expect(settingSpec('postgres', 'port')?.default).toBe(5432);
    expect(settingSpec('bigquery', 'concurrency')?.engine).toBe('common');
  });
});

describe('duration helpers', () => {
  it.each([
    ['30s', 30e9],
    ['1m30s', 90e9],
    ['1.5h', 5400e9],
    ['90', 90e9],
    ['2.5', 2.5e9],
    ['-5s', -5e9],
    ['500ms', 5e8],
    ['0', 0],
    ['', 0],
  ])('parses %s', (text, ns) => {
    expect(parseDuration(text)).toBe(ns);
  });

  it.each(['soon', '1 minute', '5 s', '1d', 's', '--1s'])('refuses %s', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it.each([
    [-5e9, '-5s'],
    [90e9, '1m30s'],
    [3600e9, '1h0m0s'],
    [1.5e9, '1.5s'],
    [5e8, '500ms'],
    [0, '0s'],
  ])('formats %d as Go does', (ns, text) => {
    expect(formatDuration(ns)).toBe(text);
  });

  it('quotes as Go %q', () => {
    expect(goQuote('a"b\\c\t')).toBe('"a\\"b\\\\c\\t"');
    expect(goQuote('x\x7f')).toBe('"x\\x7f"');
  });
});
