import {
  AdHocVariableFilter,
  CoreApp,
  DataQueryRequest,
  DataQueryResponse,
  DataSourceGetTagKeysOptions,
  DataSourceGetTagValuesOptions,
  DataSourceInstanceSettings,
  MetricFindValue,
  ScopedVars,
  TestDataSourceResponse,
} from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv, HealthStatus, TemplateSrv } from '@grafana/runtime';
import { Observable } from 'rxjs';

import { ResourceClient } from './api';
import { bigQueryProjects } from './components/builder/model';
import { AnnotationEditor } from './components/editors/AnnotationEditor';
import { defaultQuery, DEFAULT_ANNOTATION_SQL } from './defaults';
import { formatHealth } from './health';
import {
  formatVariable,
  markAllInConditionals,
  protectBackendVariables,
  restoreBackendVariables,
  unquoteVariables,
  ALL_MARKER,
} from './interpolate';
import { Engine, QuarryOptions, QuarryQuery } from './types';
import { toFilters } from './filters';
import { QuarryVariableSupport } from './variables';

export { toFilters };

/** DataSource is the Quarry data source: every query is planned and run by the backend. */
export class DataSource extends DataSourceWithBackend<QuarryQuery, QuarryOptions> {
  readonly engine: Engine;
  readonly resources: ResourceClient;
  readonly adhocTable?: string;
  /** projects are BigQuery's project choices for the builder: the default project, then allowedDatabases. */
  readonly projects: string[];

  constructor(
    instanceSettings: DataSourceInstanceSettings<QuarryOptions>,
    private readonly templateSrv: TemplateSrv = getTemplateSrv()
  ) {
    super(instanceSettings);
    this.engine = instanceSettings.jsonData?.engine ?? 'duckdb';
    this.adhocTable = instanceSettings.jsonData?.adhocTable;
    this.projects = bigQueryProjects(instanceSettings.jsonData);
    this.resources = new ResourceClient(this);
    this.variables = new QuarryVariableSupport(this);
    this.annotations = {
      QueryEditor: AnnotationEditor,
      getDefaultQuery: () => ({ rawSql: DEFAULT_ANNOTATION_SQL, format: 'annotations' }),
      prepareQuery: (anno) => {
        const target = anno.target;
        if (!target?.rawSql?.trim()) {
          return undefined;
        }
        return { ...target, refId: target.refId || 'Anno', format: 'annotations' };
      },
    };
  }

  getDefaultQuery(_app: CoreApp): Partial<QuarryQuery> {
    return defaultQuery(this.engine);
  }

  /** filterQuery skips hidden queries and queries without SQL. */
  filterQuery(query: QuarryQuery): boolean {
    return !query.hide && (query.rawSql ?? '').trim() !== '';
  }

  query(request: DataQueryRequest<QuarryQuery>): Observable<DataQueryResponse> {
    const timezone = request.timezone;
    return super.query({ ...request, targets: request.targets.map((t) => ({ ...t, timezone })) });
  }

  /**
   * applyTemplateVariables quotes variable values for the engine's dialect,
   * sends All as the $__all marker inside $__conditionalAll, and passes ad hoc
   * filters as structured filters (the planner pushes them down).
   */
  applyTemplateVariables(query: QuarryQuery, scopedVars: ScopedVars, filters?: AdHocVariableFilter[]): QuarryQuery {
    const rawSql = this.interpolateSql(query.rawSql ?? '', scopedVars);
    const out: QuarryQuery = { ...query, rawSql };
    const structured = toFilters(filters);
    if (structured.length > 0) {
      out.filters = structured;
    }
    return out;
  }

  /** interpolateSql expands dashboard variables in sql with dialect quoting. */
  interpolateSql(sql: string, scopedVars: ScopedVars = {}): string {
    const marked = markAllInConditionals(sql, (name) => this.isAll(name, scopedVars));
    const hidden = unquoteVariables(protectBackendVariables(marked));
    return restoreBackendVariables(this.templateSrv.replace(hidden, scopedVars, formatVariable(this.engine)));
  }

  interpolateVariablesInQueries(queries: QuarryQuery[], scopedVars: ScopedVars, filters?: AdHocVariableFilter[]) {
    return queries.map((q) => ({ ...this.applyTemplateVariables(q, scopedVars, filters), datasource: this.getRef() }));
  }

  private isAll(name: string, scopedVars: ScopedVars): boolean {
    const scoped = scopedVars[name]?.value;
    if (scoped !== undefined) {
      return isAllValue(scoped);
    }
    const v = this.templateSrv.getVariables().find((x) => x.name === name) as
      { current?: { value?: unknown } } | undefined;
    return isAllValue(v?.current?.value);
  }

  /** getTagKeys lists the columns of the configured ad hoc table (none when no table is set). */
  async getTagKeys(_options?: DataSourceGetTagKeysOptions<QuarryQuery>): Promise<MetricFindValue[]> {
    const table = splitTable(this.adhocTable);
    if (!table) {
      return [];
    }
    return texts(await this.getResource('tag-keys', table));
  }

  /** getTagValues lists distinct values of one column within the dashboard's time range (bounded by the backend). */
  async getTagValues(options: DataSourceGetTagValuesOptions<QuarryQuery>): Promise<MetricFindValue[]> {
    const table = splitTable(this.adhocTable);
    if (!table) {
      return [];
    }
    const range = options.timeRange
      ? { from: options.timeRange.from.toISOString(), to: options.timeRange.to.toISOString() }
      : {};
    return texts(await this.getResource('tag-values', { ...table, key: options.key, ...range }));
  }

  /** testDatasource adds the engine's health details (version, capabilities, failing step, hint). */
  async testDatasource(): Promise<TestDataSourceResponse> {
    // callHealthCheck keeps the details that super.testDatasource drops on success.
    const res = await this.callHealthCheck();
    return formatHealth({
      status: res.status === HealthStatus.OK ? 'success' : 'error',
      message: res.message,
      details: res.details,
    });
  }
}

function isAllValue(v: unknown): boolean {
  return v === ALL_MARKER || (Array.isArray(v) && v.includes(ALL_MARKER));
}

/** splitTable turns "dataset.table" (or "table") into resource parameters. */
export function splitTable(qualified?: string): { dataset: string; table: string } | undefined {
  const t = (qualified ?? '').trim();
  if (!t) {
    return undefined;
  }
  const i = t.lastIndexOf('.');
  return i < 0 ? { dataset: '', table: t } : { dataset: t.slice(0, i), table: t.slice(i + 1) };
}

function texts(list: unknown): MetricFindValue[] {
  return ((list as Array<{ text?: unknown; value?: unknown } | string>) ?? []).map((x) =>
    typeof x === 'string' ? { text: x } : { text: String(x.text ?? x.value ?? ''), value: x.value as string }
  );
}
