import { DataSourceInstanceSettings, ScopedVars, TypedVariableModel, dateTime } from '@grafana/data';
import { DataSourceWithBackend, HealthStatus, TemplateSrv } from '@grafana/runtime';
import { of, lastValueFrom } from 'rxjs';

import { DataSource, splitTable, toFilters } from './datasource';
import { QuarryOptions, QuarryQuery } from './types';

/** A TemplateSrv that expands $name / ${name} / [[name]] from a list and applies the format function, as Grafana does. */
function templateSrv(vars: Record<string, string | string[]>): TemplateSrv {
  return {
    getVariables: () =>
      Object.entries(vars).map(([name, value]) => ({ name, current: { value } })) as unknown as TypedVariableModel[],
    replace: (target?: string, scoped?: ScopedVars, format?: string | Function) =>
      (target ?? '').replace(/\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (m, a, b, c) => {
        const name = a ?? b ?? c;
        const v = scoped?.[name]?.value ?? vars[name];
        if (v === undefined) {
          return m;
        }
        return typeof format === 'function' ? format(v) : String(v);
      }),
    containsTemplate: () => true,
    updateTimeRange: () => {},
  } as unknown as TemplateSrv;
}

function settings(jsonData: QuarryOptions): DataSourceInstanceSettings<QuarryOptions> {
  return {
    id: 1,
    uid: 'q',
    type: 'bigtent-quarry-datasource',
    name: 'Quarry',
    jsonData,
    meta: { id: 'bigtent-quarry-datasource', info: {} },
    access: 'proxy',
    readOnly: false,
  } as unknown as DataSourceInstanceSettings<QuarryOptions>;
}

const vars = { host: ['web-1', "o'neil"], region: 'eu', svc: '$__all', n: '5' };

function ds(engine: QuarryOptions['engine'], extra: QuarryOptions = {}) {
  return new DataSource(settings({ engine, ...extra }), templateSrv(vars));
}

const q = (rawSql: string): QuarryQuery => ({ refId: 'A', rawSql });

describe('applyTemplateVariables', () => {
  it('quotes per dialect: doubled quotes for PostgreSQL and DuckDB', () => {
    for (const engine of ['postgres', 'duckdb'] as const) {
      const out = ds(engine).applyTemplateVariables(q('WHERE host IN ($host) AND region = $region'), {});
      expect(out.rawSql).toBe("WHERE host IN ('web-1','o''neil') AND region = 'eu'");
    }
  });

  it('quotes per dialect: backslash escapes for BigQuery and ClickHouse', () => {
    for (const engine of ['bigquery', 'clickhouse'] as const) {
      const out = ds(engine).applyTemplateVariables(q('WHERE host IN ($host)'), {});
      expect(out.rawSql).toBe("WHERE host IN ('web-1','o\\'neil')");
    }
  });

  it("does not quote twice when the user wrote '$var'", () => {
    expect(ds('postgres').applyTemplateVariables(q("WHERE region = '$region'"), {}).rawSql).toBe("WHERE region = 'eu'");
  });

  it("leaves the backend's variables to the backend, in strings too", () => {
    const scoped = { __interval: { text: '1m', value: '1m' }, __interval_ms: { text: '60000', value: '60000' } };
    const sql = "SELECT time_bucket('$__interval', ts), $__interval_ms, ${__from:date:iso} WHERE $__timeFilter(ts)";
    expect(ds('postgres').applyTemplateVariables(q(sql), scoped).rawSql).toBe(sql);
  });

  it('leaves numbers unquoted', () => {
    expect(ds('clickhouse').applyTemplateVariables(q('LIMIT $n'), {}).rawSql).toBe('LIMIT 5');
  });

  it('sends All as the $__all marker inside $__conditionalAll', () => {
    const sql = 'WHERE $__conditionalAll(service IN ($svc), $svc)';
    expect(ds('duckdb').applyTemplateVariables(q(sql), {}).rawSql).toBe(
      'WHERE $__conditionalAll(service IN ($__all), $__all)'
    );
  });

  it('prefers scoped variables (repeated panels)', () => {
    const scoped = { region: { text: 'us', value: 'us' } };
    expect(ds('postgres').applyTemplateVariables(q('r = $region'), scoped).rawSql).toBe("r = 'us'");
  });

  it('passes ad hoc filters as structured filters and never into the SQL', () => {
    const filters = [
      { key: 'host', operator: '=', value: "x' OR 1=1 --" },
      { key: 'status', operator: '=|', value: '', values: ['500', '503'] },
      { key: '', operator: '=', value: 'dropped' },
    ];
    const out = ds('postgres').applyTemplateVariables(q('SELECT 1'), {}, filters);
    expect(out.rawSql).toBe('SELECT 1');
    expect(out.filters).toEqual([
      { key: 'host', operator: '=', value: "x' OR 1=1 --" },
      { key: 'status', operator: '=|', values: ['500', '503'] },
    ]);
  });
});

describe('toFilters', () => {
  it('drops unknown operators', () => {
    expect(toFilters([{ key: 'a', operator: 'LIKE', value: 'x' }])).toEqual([]);
  });
});

describe('filterQuery', () => {
  it('skips empty and hidden queries', () => {
    const d = ds('duckdb');
    expect(d.filterQuery(q('  \n'))).toBe(false);
    expect(d.filterQuery({ ...q('SELECT 1'), hide: true })).toBe(false);
    expect(d.filterQuery(q('SELECT 1'))).toBe(true);
  });
});

describe('getDefaultQuery', () => {
  it('gives each engine a query that runs without tables', () => {
    expect(ds('bigquery').getDefaultQuery('panel-editor' as never).rawSql).toContain('CURRENT_TIMESTAMP()');
    expect(ds('postgres').getDefaultQuery('panel-editor' as never).rawSql).toContain('now()');
    expect(ds('clickhouse').getDefaultQuery('panel-editor' as never).format).toBe('table');
  });
});

describe('tag keys and values', () => {
  it('ask the resources for the configured table', async () => {
    const d = ds('duckdb', { adhocTable: 'sample.http_requests' });
    const get = jest.spyOn(d, 'getResource').mockResolvedValueOnce([{ text: 'host', type: 'VARCHAR' }]);
    expect(await d.getTagKeys()).toEqual([{ text: 'host', value: undefined }]);
    expect(get).toHaveBeenCalledWith('tag-keys', { dataset: 'sample', table: 'http_requests' });

    get.mockResolvedValueOnce([{ text: 'web-1' }, { text: 'web-2' }]);
    const timeRange = {
      from: dateTime('2024-01-01T00:00:00Z'),
      to: dateTime('2024-01-02T00:00:00Z'),
      raw: { from: 'a', to: 'b' },
    };
    const values = await d.getTagValues({ key: 'host', filters: [], timeRange });
    expect(values.map((v) => v.text)).toEqual(['web-1', 'web-2']);
    expect(get).toHaveBeenLastCalledWith('tag-values', {
      dataset: 'sample',
      table: 'http_requests',
      key: 'host',
      from: '2024-01-01T00:00:00.000Z',
      to: '2024-01-02T00:00:00.000Z',
    });
  });

  it('offer nothing when no table is configured', async () => {
    const d = ds('duckdb');
    const get = jest.spyOn(d, 'getResource');
    expect(await d.getTagKeys()).toEqual([]);
    expect(get).not.toHaveBeenCalled();
  });

  it('splitTable', () => {
    expect(splitTable('p.d.t')).toEqual({ dataset: 'p.d', table: 't' });
    expect(splitTable('t')).toEqual({ dataset: '', table: 't' });
    expect(splitTable(' ')).toBeUndefined();
  });
});

describe('annotations and variables', () => {
  it('run annotation queries in the annotations format', () => {
    const d = ds('duckdb');
    const prepared = d.annotations!.prepareQuery!({ target: q('SELECT 1') } as never);
    expect(prepared).toMatchObject({ rawSql: 'SELECT 1', format: 'annotations' });
    expect(d.annotations!.prepareQuery!({ target: q('') } as never)).toBeUndefined();
  });

  it('run variable queries through the backend as queryType variable', async () => {
    const d = ds('duckdb');
    const spy = jest.spyOn(DataSourceWithBackend.prototype, 'query').mockReturnValue(of({ data: [] }));
    const request = { targets: [q('SELECT host FROM t')], timezone: 'utc' } as never;
    await lastValueFrom(
      (d.variables as unknown as { query: (r: unknown) => ReturnType<typeof d.query> }).query(request)
    );
    const sent = spy.mock.calls[0][0].targets[0];
    expect(sent).toMatchObject({
      rawSql: 'SELECT host FROM t',
      queryType: 'variable',
      format: 'table',
      timezone: 'utc',
    });
    spy.mockRestore();
  });
});

describe('testDatasource', () => {
  it('shows version and capabilities on success', async () => {
    const spy = jest.spyOn(DataSourceWithBackend.prototype, 'callHealthCheck').mockResolvedValue({
      status: HealthStatus.OK,
      message: 'ok',
      details: { ok: true, version: '15.6', capabilities: ['EXPLAIN (FORMAT JSON)', 'date_bin'] } as never,
    });
    const res = await ds('postgres').testDatasource();
    expect(res.status).toBe('success');
    expect(res.details?.message).toBe('Server version: 15.6');
    expect(res.details?.verboseMessage).toBe('Capabilities: EXPLAIN (FORMAT JSON), date_bin');
    spy.mockRestore();
  });

  it('shows the failing step and what to do', async () => {
    const spy = jest.spyOn(DataSourceWithBackend.prototype, 'callHealthCheck').mockResolvedValue({
      status: HealthStatus.Error,
      message: 'auth failed: password authentication failed',
      details: { ok: false, step: 'auth', hint: 'check the user and password' } as never,
    });
    const res = await ds('postgres').testDatasource();
    expect(res.message).toBe('auth failed: password authentication failed');
    // The message already names the step; the hint is the one fact left.
    expect(res.details?.message).toBe('What to do: check the user and password');
    expect(res.details?.verboseMessage).toBeUndefined();
    spy.mockRestore();
  });
});
