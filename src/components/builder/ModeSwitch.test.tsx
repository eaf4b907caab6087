import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import React, { useState } from 'react';
import { dateTime } from '@grafana/data';

import type { DataSource } from '../../datasource';
import { BuilderModel, BuilderParseResult, QuarryQuery } from '../../types';
import { QueryEditor } from '../QueryEditor';

// Monaco does not run in jsdom: a textarea stands in for the code editor.
jest.mock('../query/SqlEditor', () => ({
  SqlEditor: (p: { value: string; onChange: (v: string) => void }) => (
    <textarea aria-label="SQL" value={p.value} onChange={(e) => p.onChange(e.currentTarget.value)} />
  ),
}));

const BUILT = 'SELECT\n  host,\n  count(*) AS n\nFROM sample.http_requests\nGROUP BY host';
const MODEL: BuilderModel = {
  mode: 'table',
  table: { dataset: 'sample', name: 'http_requests' },
  columns: [{ name: 'host' }, { name: '*', aggregate: 'count', alias: 'n' }],
  groupBy: ['host'],
};

function fakeDatasource(builderParse: jest.Mock, estimate: jest.Mock) {
  return {
    engine: 'postgres',
    interpolateSql: (s: string) => s,
    resources: {
      estimate,
      plan: jest.fn(),
      macros: jest.fn().mockResolvedValue([]),
      builderParse,
      builderSql: jest.fn().mockResolvedValue(BUILT),
      datasets: jest.fn().mockResolvedValue(['sample']),
      tables: jest.fn().mockResolvedValue(['http_requests']),
      columns: jest.fn().mockResolvedValue({ name: 'sample.http_requests', columns: [{ name: 'host', type: 'text' }] }),
    },
  } as unknown as DataSource;
}

const range = {
  from: dateTime('2024-01-30T00:00:00Z'),
  to: dateTime('2024-01-31T00:00:00Z'),
  raw: { from: 'a', to: 'b' },
};

let latest: QuarryQuery | undefined;

function Harness({ ds, sql }: { ds: DataSource; sql: string }) {
  const [query, setQuery] = useState<QuarryQuery>({ refId: 'A', rawSql: sql, format: 'table' });
  latest = query;
  return <QueryEditor datasource={ds} query={query} onChange={setQuery} onRunQuery={jest.fn()} range={range} />;
}

const estimateOk = () => jest.fn().mockResolvedValue({ cost: { bytes: 1, rows: 1, usd: 0, kind: 'exact' } });

describe('Builder/Code switch', () => {
  it('goes code -> builder -> code -> builder without losing SQL, and the cost badge follows', async () => {
    const parse = jest.fn(async (rawSql: string): Promise<BuilderParseResult> => ({
      fits: true,
      model: MODEL,
      sql: BUILT,
      reason: rawSql,
    }));
    const estimate = estimateOk();
    render(
      <Harness
        ds={fakeDatasource(parse, estimate)}
        sql="select host, count(*) as n from sample.http_requests group by host"
      />
    );

    fireEvent.click(screen.getByLabelText('Builder'));
    await screen.findByTestId('quarry-builder');
    expect(parse).toHaveBeenCalledWith('select host, count(*) as n from sample.http_requests group by host', 'table');
    // The builder shows the backend's text for the model, and that is now the query's SQL.
    expect(screen.getByTestId('quarry-builder-sql').textContent).toBe(BUILT);
    expect(latest).toMatchObject({ editorMode: 'builder', builder: MODEL, rawSql: BUILT });
    // The dry run (cost badge) runs on the builder's SQL.
    await waitFor(() => expect(estimate.mock.calls.some((c) => c[0].rawSql === BUILT)).toBe(true), { timeout: 3000 });

    fireEvent.click(screen.getByLabelText('Code'));
    expect((screen.getByLabelText('SQL') as HTMLTextAreaElement).value).toBe(BUILT);
    expect(latest?.editorMode).toBe('code');

    fireEvent.click(screen.getByLabelText('Builder'));
    await screen.findByTestId('quarry-builder');
    expect(parse).toHaveBeenLastCalledWith(BUILT, 'table');
    expect(latest?.rawSql).toBe(BUILT);
  });

  it('refuses a query that does not fit, says why and where, and keeps the SQL', async () => {
    const sql = 'SELECT a.x\nFROM a JOIN b ON a.id = b.id';
    const parse = jest.fn(async (): Promise<BuilderParseResult> => ({
      fits: false,
      reason: 'joins are not in the builder',
      line: 2,
      column: 8,
    }));
    render(<Harness ds={fakeDatasource(parse, estimateOk())} sql={sql} />);

    fireEvent.click(screen.getByLabelText('Builder'));
    const alert = await screen.findByTestId('quarry-mode-refused');
    expect(alert).toHaveTextContent('joins are not in the builder (line 2, column 8)');
    expect(screen.queryByTestId('quarry-builder')).toBeNull();
    expect((screen.getByLabelText('SQL') as HTMLTextAreaElement).value).toBe(sql);
    expect(latest).toMatchObject({ rawSql: sql });
    expect(latest?.editorMode).toBeUndefined();

    // Replacing is offered, and only happens when asked.
    fireEvent.click(screen.getByText(/Start a builder query instead/));
    await screen.findByTestId('quarry-builder');
    expect(latest).toMatchObject({
      editorMode: 'builder',
      rawSql: '',
      builder: { mode: 'table', table: { name: '' } },
    });
    await act(async () => {});
  });

  it('opens an empty query in the builder without asking the backend', async () => {
    const parse = jest.fn();
    render(<Harness ds={fakeDatasource(parse, estimateOk())} sql="  " />);
    fireEvent.click(screen.getByLabelText('Builder'));
    await screen.findByTestId('quarry-builder');
    expect(parse).not.toHaveBeenCalled();
    await act(async () => {});
  });
});
