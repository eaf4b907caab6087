import './boot';

import React, { useState } from 'react';
import { createRoot } from 'react-dom/client';
import {
  AnnotationQuery,
  CoreApp,
  DataSourceInstanceSettings,
  DataSourcePluginMeta,
  DataSourceSettings,
  dateTime,
  LoadingState,
  PanelData,
  TestDataSourceResponse,
} from '@grafana/data';
import {
  setBackendSrv,
  setDataSourceSrv,
  setTemplateSrv,
  BackendSrv,
  DataSourceSrv,
  TemplateSrv,
} from '@grafana/runtime';
import { Button, GlobalStyles } from '@grafana/ui';
import { lastValueFrom } from 'rxjs';

import { ConfigEditor } from '../../../src/components/ConfigEditor';
import { AnnotationEditor } from '../../../src/components/editors/AnnotationEditor';
import { VariableQueryEditor } from '../../../src/components/editors/VariableQueryEditor';
import { QueryEditor } from '../../../src/components/QueryEditor';
import { DataSource } from '../../../src/datasource';
import { QuarryOptions, QuarryQuery, QuarrySecureOptions } from '../../../src/types';
import { dataSourceSrv, fetchBackend, HarnessTemplateSrv } from './shims';

const params = new URLSearchParams(window.location.search);
const uid = params.get('uid') ?? 'quarry';
const engine = (params.get('engine') ?? 'duckdb') as QuarryOptions['engine'];

const meta = {
  id: 'bigtent-quarry-datasource',
  name: 'Quarry',
  type: 'datasource',
  info: {},
} as unknown as DataSourcePluginMeta;
const instance: DataSourceInstanceSettings<QuarryOptions> = {
  id: 1,
  uid,
  type: 'bigtent-quarry-datasource',
  name: 'Quarry',
  meta,
  jsonData: { engine },
  access: 'proxy',
  readOnly: false,
};

const templateSrv = new HarnessTemplateSrv([{ name: 'service', value: ['api', 'web'] }]);
setBackendSrv(fetchBackend() as unknown as BackendSrv);
setTemplateSrv(templateSrv as unknown as TemplateSrv);
setDataSourceSrv(dataSourceSrv(instance) as unknown as DataSourceSrv);

const datasource = new DataSource(instance, templateSrv as unknown as TemplateSrv);

// The sample's window: 2024-01-01 .. 2024-01-31 (UTC); the editor plans against one day of it.
const from = dateTime('2024-01-30T00:00:00Z');
const to = dateTime('2024-01-31T00:00:00Z');
const range = { from, to, raw: { from, to } };

function ConfigPane() {
  const [options, setOptions] = useState<DataSourceSettings<QuarryOptions, QuarrySecureOptions>>({
    id: 1,
    uid,
    orgId: 1,
    name: 'Quarry',
    type: 'bigtent-quarry-datasource',
    typeName: 'Quarry',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: true,
    withCredentials: false,
    readOnly: false,
    jsonData: { engine, maxRows: 100000, queryTimeout: '60s', cacheTTL: '30s', maxBytes: 1073741824 },
    secureJsonFields: { password: true },
    secureJsonData: {},
  });
  const [health, setHealth] = useState<TestDataSourceResponse | undefined>();
  return (
    <section data-testid="harness-config">
      <h2>Configuration</h2>
      <ConfigEditor options={options} onOptionsChange={setOptions} />
      <Button
        data-testid="harness-save-test"
        onClick={async () =>
          setHealth(
            await datasource
              .testDatasource()
              .catch((e) => ({ status: 'error', message: String(e?.data?.message ?? e) }))
          )
        }
      >
        Save &amp; test
      </Button>
      {health && (
        <pre data-testid="harness-health" data-status={health.status}>
          {[health.message, health.details?.message, health.details?.verboseMessage].filter(Boolean).join('\n')}
        </pre>
      )}
      <pre data-testid="harness-options">{JSON.stringify(options.jsonData)}</pre>
    </section>
  );
}

function QueryPane() {
  const [query, setQuery] = useState<QuarryQuery>({
    refId: 'A',
    ...datasource.getDefaultQuery(CoreApp.PanelEditor),
  } as QuarryQuery);
  const [result, setResult] = useState('');
  const data = { state: LoadingState.Done, series: [], timeRange: range } as unknown as PanelData;
  const run = async () => {
    setResult('running…');
    try {
      const res = await lastValueFrom(
        datasource.query({
          requestId: 'harness',
          interval: '1m',
          intervalMs: 60000,
          maxDataPoints: 1000,
          range,
          scopedVars: {},
          targets: [query],
          timezone: 'utc',
          app: CoreApp.PanelEditor,
          startTime: Date.now(),
        })
      );
      const frames = res.data ?? [];
      const rows = frames.reduce((n: number, f: { length?: number }) => n + (f.length ?? 0), 0);
      setResult(res.errors?.length ? `error: ${res.errors[0].message}` : `${frames.length} frame(s), ${rows} row(s)`);
    } catch (e) {
      setResult(`error: ${String((e as { data?: { message?: string } })?.data?.message ?? e)}`);
    }
  };
  return (
    <section data-testid="harness-query">
      <h2>Query</h2>
      <QueryEditor
        datasource={datasource}
        query={query}
        onChange={setQuery}
        onRunQuery={run}
        range={range}
        data={data}
        app={CoreApp.PanelEditor}
      />
      <pre data-testid="harness-result">{result}</pre>
      <pre data-testid="harness-query-json" style={{ whiteSpace: 'pre-wrap' }}>
        {JSON.stringify(query)}
      </pre>
    </section>
  );
}

function VariablePane() {
  const [query, setQuery] = useState<QuarryQuery>({
    refId: 'variable',
    rawSql: "SELECT unnest(['api', 'web', 'db']) AS service",
  });
  return (
    <section data-testid="harness-variable">
      <h2>Variable query</h2>
      <VariableQueryEditor
        datasource={datasource}
        query={query}
        onChange={setQuery}
        onRunQuery={() => {}}
        range={range}
      />
    </section>
  );
}

function AnnotationPane() {
  const [anno, setAnno] = useState<AnnotationQuery<QuarryQuery>>({
    name: 'deploys',
    enable: true,
    iconColor: 'red',
    target: {
      refId: 'Anno',
      format: 'annotations',
      rawSql:
        'SELECT ts, ts + INTERVAL 10 MINUTE AS "timeEnd", \'deploy \' || service AS title, service AS text, service AS tags\nFROM sample.http_requests\nWHERE $__timeFilter(ts) AND status >= 500\nORDER BY ts\nLIMIT 5',
    },
  });
  return (
    <section data-testid="harness-annotation">
      <h2>Annotation query</h2>
      <AnnotationEditor
        datasource={datasource}
        query={anno.target!}
        onChange={(target) => setAnno({ ...anno, target })}
        onRunQuery={() => {}}
        annotation={anno}
        onAnnotationChange={setAnno}
        range={range}
      />
    </section>
  );
}

function Harness() {
  return (
    <div style={{ padding: 16, display: 'grid', gap: 24, maxWidth: 1100 }}>
      <GlobalStyles />
      <QueryPane />
      <VariablePane />
      <AnnotationPane />
      <ConfigPane />
    </div>
  );
}

createRoot(document.getElementById('root')!).render(<Harness />);
