import { act, fireEvent, render, screen } from '@testing-library/react';
import React, { useState } from 'react';
import { AnnotationQuery, dateTime, FieldType, toDataFrame } from '@grafana/data';

import type { DataSource } from '../../datasource';
import { QuarryQuery } from '../../types';
import type { EditorMarker } from '../query/SqlEditor';
import { AnnotationEditor } from './AnnotationEditor';
import { annotationRows, Runner, variableValues } from './preview';
import { VariableQueryEditor } from './VariableQueryEditor';

// Monaco does not run in jsdom: a textarea stands in for the SQL editor and shows the markers it receives.
jest.mock('../query/SqlEditor', () => ({
  SqlEditor: (p: { value: string; onChange: (v: string) => void; markers?: EditorMarker[] }) => (
    <div>
      <textarea aria-label="SQL" value={p.value} onChange={(e) => p.onChange(e.currentTarget.value)} />
      <output data-testid="markers">{JSON.stringify(p.markers ?? [])}</output>
    </div>
  ),
}));

const range = {
  from: dateTime('2024-01-30T00:00:00Z'),
  to: dateTime('2024-01-31T00:00:00Z'),
  raw: { from: 'a', to: 'b' },
};

function fakeDatasource(estimate: jest.Mock) {
  return {
    engine: 'duckdb',
    interpolateSql: (s: string) => s,
    resources: { estimate, plan: jest.fn(), macros: jest.fn().mockResolvedValue([]) },
  } as unknown as DataSource;
}

describe('VariableQueryEditor', () => {
  it('keeps the variable query type and previews the values', async () => {
    const estimate = jest
      .fn()
      .mockRejectedValue(
        Object.assign(new Error('x'), { name: 'PlanFailure', detail: { message: 'bad', line: 1, column: 3 } })
      );
    const runner = jest.fn<ReturnType<Runner>, Parameters<Runner>>().mockResolvedValue({
      data: [toDataFrame({ fields: [{ name: 'text', type: FieldType.string, values: ['api', 'web', 'db'] }] })],
    });
    const changes: QuarryQuery[] = [];
    function Host() {
      const [q, setQ] = useState<QuarryQuery>({ refId: 'v', rawSql: 'SELECT service FROM sample.http_requests' });
      return (
        <VariableQueryEditor
          datasource={fakeDatasource(estimate)}
          query={q}
          onChange={(n) => {
            changes.push(n);
            setQ(n);
          }}
          onRunQuery={jest.fn()}
          range={range}
          runner={runner}
        />
      );
    }
    render(<Host />);
    fireEvent.change(screen.getByLabelText('SQL'), {
      target: { value: 'SELECT DISTINCT service FROM sample.http_requests' },
    });
    expect(changes[changes.length - 1]).toMatchObject({ queryType: 'variable', format: 'table' });
    await act(async () => {
      fireEvent.click(screen.getByTestId('quarry-variable-preview-run'));
    });
    expect(runner.mock.calls[0][0].targets[0]).toMatchObject({
      rawSql: 'SELECT DISTINCT service FROM sample.http_requests',
      queryType: 'variable',
    });
    const preview = await screen.findByTestId('quarry-variable-preview');
    expect(preview).toHaveTextContent('3 values');
    expect(preview).toHaveTextContent('web');
  });

  it('says why the preview failed', async () => {
    const runner: Runner = () => Promise.resolve({ data: [], errors: [{ message: 'table nope does not exist' }] });
    render(
      <VariableQueryEditor
        datasource={fakeDatasource(jest.fn().mockResolvedValue({}))}
        query={{ refId: 'v', rawSql: 'SELECT 1 FROM nope' }}
        onChange={jest.fn()}
        onRunQuery={jest.fn()}
        runner={runner}
      />
    );
    await act(async () => {
      fireEvent.click(screen.getByTestId('quarry-variable-preview-run'));
    });
    expect(await screen.findByTestId('quarry-variable-preview-error')).toHaveTextContent('table nope does not exist');
  });
});

describe('AnnotationEditor', () => {
  it('maps columns to annotation fields and previews the first annotations with the mapping', async () => {
    const frame = toDataFrame({
      fields: [
        { name: 'ts', type: FieldType.time, values: [Date.parse('2024-01-30T10:00:00Z')] },
        { name: 'msg', type: FieldType.string, values: ['deploy api v2'] },
        { name: 'tags', type: FieldType.string, values: ['["api","prod"]'] },
      ],
    });
    const runner = jest.fn<ReturnType<Runner>, Parameters<Runner>>().mockResolvedValue({ data: [frame] });
    let last: AnnotationQuery<QuarryQuery> | undefined;
    function Host() {
      const [anno, setAnno] = useState<AnnotationQuery<QuarryQuery>>({
        name: 'deploys',
        enable: true,
        iconColor: 'red',
        target: { refId: 'Anno', rawSql: 'SELECT ts, msg, tags FROM deploys' },
      });
      return (
        <AnnotationEditor
          datasource={fakeDatasource(jest.fn().mockResolvedValue({}))}
          query={anno.target!}
          onChange={(t) => setAnno({ ...anno, target: t })}
          onRunQuery={jest.fn()}
          annotation={anno}
          onAnnotationChange={(a) => {
            last = a;
            setAnno(a);
          }}
          range={range}
          runner={runner}
        />
      );
    }
    render(<Host />);
    fireEvent.change(screen.getByLabelText('Column for title'), { target: { value: 'msg' } });
    expect(last?.mappings).toEqual({ title: { source: 'field', value: 'msg' } });
    await act(async () => {
      fireEvent.click(screen.getByTestId('quarry-annotation-preview-run'));
    });
    expect(runner.mock.calls[0][0].targets[0].format).toBe('annotations');
    const table = await screen.findByTestId('quarry-annotation-preview');
    expect(table).toHaveTextContent('2024-01-30T10:00:00.000Z');
    expect(table).toHaveTextContent('deploy api v2');
    expect(table).toHaveTextContent('api, prod');
  });
});

describe('preview readers', () => {
  it('reads __text/__value pairs', () => {
    const f = toDataFrame({
      fields: [
        { name: '__value', type: FieldType.number, values: [1, 2] },
        { name: '__text', type: FieldType.string, values: ['one', 'two'] },
      ],
    });
    expect(variableValues([f])).toEqual([
      { text: 'one', value: '1' },
      { text: 'two', value: '2' },
    ]);
  });
  it('reads timeEnd and comma-separated tags', () => {
    const f = toDataFrame({
      fields: [
        { name: 'time', type: FieldType.time, values: [1000] },
        { name: 'timeEnd', type: FieldType.time, values: [5000] },
        { name: 'tags', type: FieldType.string, values: ['a, b'] },
      ],
    });
    expect(annotationRows([f])).toEqual([
      { time: 1000, timeEnd: 5000, title: undefined, text: undefined, tags: ['a', 'b'] },
    ]);
  });
});
