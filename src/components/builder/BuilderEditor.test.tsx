import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import React from 'react';

import { BuilderModel, TableSchema } from '../../types';
import { BuilderEditor } from './BuilderEditor';
import { emptyModel } from './model';
import { SchemaSource } from './pickers';

// A fake schema source (the /schema/* resources) with the sample's shape.
function fakeSchema(): SchemaSource & { calls: string[] } {
  const calls: string[] = [];
  const columns: TableSchema = {
    name: 'sample.http_requests',
    columns: [
      { name: 'ts', type: 'DateTime', partitionKey: true, sortKey: true },
      { name: 'service', type: 'String', sortKey: true },
      { name: 'status', type: 'Int32' },
    ],
  };
  return {
    calls,
    datasets: async () => {
      calls.push('datasets');
      return ['sample', 'other'];
    },
    tables: async (ds: string) => {
      calls.push(`tables:${ds}`);
      return ds === 'sample' ? ['http_requests', 'logs'] : [];
    },
    columns: async (ds: string, t: string) => {
      calls.push(`columns:${ds}.${t}`);
      return columns;
    },
  };
}

// jsdom has no IntersectionObserver, which Grafana's select menu uses to place itself.
beforeAll(() => {
  class NoIntersections {
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  }
  Object.assign(globalThis, { IntersectionObserver: NoIntersections });
});

/** columnsLoaded waits until the fake's column answer has reached the editor's state. */
async function columnsLoaded(schema: { calls: string[] }) {
  await waitFor(() => expect(schema.calls.some((c) => c.startsWith('columns:'))).toBe(true));
  await act(async () => {});
}

async function choose(label: string, option: string) {
  const input = screen.getByLabelText(label);
  fireEvent.keyDown(input, { key: 'ArrowDown' });
  const opt = await screen.findByText(option, {}, { timeout: 3000 });
  fireEvent.click(opt);
}

describe('BuilderEditor', () => {
  it('fills the pickers from the schema, marks keys, and stores the backend SQL', async () => {
    const schema = fakeSchema();
    const written: BuilderModel[] = [];
    const writeSql = jest.fn(async (m: BuilderModel) => {
      written.push(m);
      return `SQL for ${m.table.dataset}.${m.table.name} with ${m.columns.length} columns`;
    });
    const onChange = jest.fn();
    const { rerender } = render(
      <BuilderEditor
        model={emptyModel('table')}
        format="table"
        sql=""
        engine="clickhouse"
        schema={schema}
        writeSql={writeSql}
        onChange={onChange}
      />
    );
    // ClickHouse names its datasets databases.
    await choose('Database', 'sample');
    await waitFor(() => expect(schema.calls).toContain('tables:sample'));
    await choose('Table', 'http_requests');
    await waitFor(() => expect(schema.calls).toContain('columns:sample.http_requests'));
    await waitFor(() => expect(onChange).toHaveBeenCalled());
    const [model, sql] = onChange.mock.calls[onChange.mock.calls.length - 1];
    expect(model.table).toEqual({ dataset: 'sample', name: 'http_requests' });
    expect(sql).toBe('SQL for sample.http_requests with 0 columns');

    // The time column picker lists the table's columns with their partition and sort keys marked.
    fireEvent.keyDown(screen.getByLabelText('Time column'), { key: 'ArrowDown' });
    expect(await screen.findByText('ts [P S]')).toBeInTheDocument();
    expect(screen.getByText('service [S]')).toBeInTheDocument();
    expect(screen.getByText('DateTime · partition key · sort key')).toBeInTheDocument();
    fireEvent.click(screen.getByText('ts [P S]'));
    await waitFor(() => expect(written[written.length - 1].time).toEqual({ column: 'ts', interval: '$__interval' }));

    // The builder shows the SQL it was given: the backend's text.
    rerender(
      <BuilderEditor
        model={model}
        format="table"
        sql="SELECT * FROM sample.http_requests"
        engine="clickhouse"
        schema={schema}
        writeSql={writeSql}
        onChange={onChange}
      />
    );
    expect(screen.getByTestId('quarry-builder-sql')).toHaveTextContent('SELECT * FROM sample.http_requests');
  });

  it('BigQuery: picks a project, lists its datasets, and names the dataset "project.dataset" for tables and columns', async () => {
    const calls: string[] = [];
    const schema: SchemaSource = {
      datasets: async (project?: string) => {
        calls.push(`datasets:${project ?? ''}`);
        return project === 'other-project' ? ['billing'] : ['sample'];
      },
      tables: async (ds: string) => {
        calls.push(`tables:${ds}`);
        return ds === 'other-project.billing' ? ['invoices'] : ['http_requests'];
      },
      columns: async (ds: string, t: string) => {
        calls.push(`columns:${ds}/${t}`);
        return { name: `${ds}.${t}`, columns: [{ name: 'amount', type: 'NUMERIC' }] };
      },
    };
    const onChange = jest.fn();
    render(
      <BuilderEditor
        model={emptyModel('table')}
        format="table"
        sql=""
        engine="bigquery"
        schema={schema}
        projects={['quarry-test', 'other-project']}
        writeSql={async () => 'SQL'}
        onChange={onChange}
      />
    );
    // The default project's datasets first; the picker says which project is the default.
    await waitFor(() => expect(calls).toContain('datasets:'));
    expect(screen.getByText('default (quarry-test)')).toBeInTheDocument();
    await choose('Project', 'other-project');
    await waitFor(() => expect(calls).toContain('datasets:other-project'));
    expect(onChange.mock.calls.at(-1)?.[0].table).toEqual({ project: 'other-project', name: '' });
    await choose('Dataset', 'billing');
    await waitFor(() => expect(calls).toContain('tables:other-project.billing'));
    await choose('Table', 'invoices');
    await waitFor(() => expect(calls).toContain('columns:other-project.billing/invoices'));
    await waitFor(() =>
      expect(onChange.mock.calls.at(-1)?.[0].table).toEqual({
        project: 'other-project',
        dataset: 'billing',
        name: 'invoices',
      })
    );
    await act(async () => {});
  });

  it('has no project picker outside BigQuery', async () => {
    const schema = fakeSchema();
    render(
      <BuilderEditor
        model={emptyModel('table')}
        format="table"
        sql=""
        engine="postgres"
        schema={schema}
        projects={['ignored']}
        writeSql={async () => 'SQL'}
        onChange={jest.fn()}
      />
    );
    await waitFor(() => expect(schema.calls).toEqual(expect.arrayContaining(['datasets', 'tables:'])));
    await act(async () => {});
    expect(screen.queryByLabelText('Project')).toBeNull();
    expect(screen.getByLabelText('Schema')).toBeInTheDocument();
  });

  it('reads typed filter values by column type and keeps variables', async () => {
    const schema = fakeSchema();
    const writeSql = jest.fn(async () => 'SQL');
    const onChange = jest.fn();
    const model: BuilderModel = {
      mode: 'table',
      table: { dataset: 'sample', name: 'http_requests' },
      columns: [{ name: '*' }],
      filters: [
        { column: 'status', op: '=', value: { kind: 'string', text: '' } },
        { column: 'service', op: 'IN', values: [] },
      ],
    };
    render(
      <BuilderEditor
        model={model}
        format="table"
        sql=""
        engine="postgres"
        schema={schema}
        writeSql={writeSql}
        onChange={onChange}
      />
    );
    await columnsLoaded(schema);
    fireEvent.blur(screen.getByLabelText('Value 1'), { target: { value: '500' } });
    await waitFor(() => expect(writeSql).toHaveBeenCalledTimes(1));
    fireEvent.blur(screen.getByLabelText('Value 2'), { target: { value: 'api, $service' } });
    await waitFor(() => expect(writeSql).toHaveBeenCalledTimes(2));
    const last = (writeSql.mock.calls as unknown as BuilderModel[][])[1][0];
    expect(last.filters).toEqual([
      { column: 'status', op: '=', value: { kind: 'number', text: '500' } },
      {
        column: 'service',
        op: 'IN',
        values: [
          { kind: 'string', text: 'api' },
          { kind: 'variable', text: '$service' },
        ],
      },
    ]);
  });

  it('shows why a model cannot be written, and empties the SQL rather than keep a stale one', async () => {
    const writeSql = jest.fn(async () => {
      throw new Error('time: a time series needs a time column to group by');
    });
    const onChange = jest.fn();
    render(
      <BuilderEditor
        model={{ mode: 'table', table: { name: 'logs' }, columns: [{ name: '*' }] }}
        format="time_series"
        sql="SELECT * FROM logs"
        engine="duckdb"
        schema={fakeSchema()}
        writeSql={writeSql}
        onChange={onChange}
      />
    );
    fireEvent.blur(screen.getByLabelText('Limit'), { target: { value: '10' } });
    const alert = await screen.findByTestId('quarry-builder-error');
    expect(within(alert).getByText(/needs a time column/)).toBeInTheDocument();
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ mode: 'time_series', limit: 10 }), '');
    await act(async () => {});
  });
});
