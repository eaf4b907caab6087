import { act, fireEvent, render, screen } from '@testing-library/react';
import React, { useState } from 'react';
import { dateTime, PanelData } from '@grafana/data';
import { setTemplateSrv, TemplateSrv } from '@grafana/runtime';

import { PlanFailure } from '../api';
import type { DataSource } from '../datasource';
import { Estimate, Plan, QuarryQuery } from '../types';
import { DEBOUNCE_MS, QueryEditor } from './QueryEditor';
import type { EditorMarker } from './query/SqlEditor';

// Monaco does not run in jsdom: a textarea stands in for the SQL editor and shows the markers it receives.
jest.mock('./query/SqlEditor', () => ({
  SqlEditor: (p: { value: string; onChange: (v: string) => void; onRun?: () => void; markers?: EditorMarker[] }) => (
    <div>
      <textarea aria-label="SQL" value={p.value} onChange={(e) => p.onChange(e.currentTarget.value)} />
      {/* Stands for the editor's Ctrl/Cmd+Enter action (SqlEditor.shortcut.test.tsx tests the key binding). */}
      <button onClick={p.onRun}>Ctrl+Enter</button>
      <output data-testid="markers">{JSON.stringify(p.markers ?? [])}</output>
    </div>
  ),
}));

const plan: Plan = {
  sql: "SELECT * FROM t WHERE ts BETWEEN '2024-01-30T00:00:00Z' AND '2024-01-31T00:00:00Z'",
  statement: 'select',
  steps: [{ kind: 'macro', detail: '$__timeFilter: time filter on ts' }],
  warnings: [{ code: 'unused_filter', message: 'filter host matches no column', line: 1, column: 8 }],
};

function fakeDatasource(estimate: jest.Mock, planFn: jest.Mock) {
  return {
    engine: 'duckdb',
    interpolateSql: (s: string) => s,
    resources: { estimate, plan: planFn, macros: jest.fn().mockResolvedValue([]) },
  } as unknown as DataSource;
}

const range = {
  from: dateTime('2024-01-30T00:00:00Z'),
  to: dateTime('2024-01-31T00:00:00Z'),
  raw: { from: 'a', to: 'b' },
};

function Harness({ ds, onRun, data }: { ds: DataSource; onRun: () => void; data?: PanelData }) {
  const [query, setQuery] = useState<QuarryQuery>({ refId: 'A', rawSql: 'SELECT 1', format: 'table' });
  return <QueryEditor datasource={ds} query={query} onChange={setQuery} onRunQuery={onRun} range={range} data={data} />;
}

async function settle() {
  await act(async () => {
    jest.advanceTimersByTime(DEBOUNCE_MS + 10);
  });
  await act(async () => {});
}

describe('QueryEditor', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('estimates once typing pauses and shows the cost', async () => {
    const estimate = jest.fn().mockResolvedValue({ cost: { bytes: 2048, rows: 5, usd: 0, kind: 'exact' } } as Estimate);
    render(<Harness ds={fakeDatasource(estimate, jest.fn())} onRun={jest.fn()} />);
    await settle();
    expect(estimate).toHaveBeenCalledTimes(1);
    expect(estimate.mock.calls[0][0]).toMatchObject({
      rawSql: 'SELECT 1',
      format: 'table',
      timeRange: { from: '2024-01-30T00:00:00.000Z', to: '2024-01-31T00:00:00.000Z' },
    });
    expect(screen.getByTestId('quarry-cost-badge')).toHaveTextContent('2.00 KiB · 5 rows (exact)');

    // Typing quickly makes one request for the final text, not one per keystroke.
    fireEvent.change(screen.getByLabelText('SQL'), { target: { value: 'SELECT 12' } });
    fireEvent.change(screen.getByLabelText('SQL'), { target: { value: 'SELECT 123' } });
    expect(screen.getByTestId('quarry-cost-badge')).toHaveAttribute('data-state', 'loading');
    await settle();
    expect(estimate).toHaveBeenCalledTimes(2);
    expect(estimate.mock.calls[1][0].rawSql).toBe('SELECT 123');
  });

  it('sends the chosen format and shows the plan on demand', async () => {
    const estimate = jest.fn().mockResolvedValue({ cost: { bytes: 0, rows: 1, usd: 0, kind: 'estimate' } });
    const planFn = jest.fn().mockResolvedValue(plan);
    render(<Harness ds={fakeDatasource(estimate, planFn)} onRun={jest.fn()} />);
    fireEvent.keyDown(screen.getByLabelText('Format'), { key: 'ArrowDown' });
    fireEvent.click(await screen.findByText('Time series'));
    fireEvent.click(screen.getByTestId('quarry-plan-toggle'));
    await settle();
    expect(planFn).toHaveBeenCalledTimes(1);
    expect(planFn.mock.calls[0][0].format).toBe('time_series');
    expect(screen.getByTestId('quarry-plan-sql')).toHaveTextContent("BETWEEN '2024-01-30T00:00:00Z'");
    expect(screen.getByTestId('quarry-plan-steps')).toHaveTextContent('$__timeFilter');
    expect(screen.getByTestId('quarry-plan-warnings')).toHaveTextContent('unused_filter');
    expect(JSON.parse(screen.getByTestId('markers').textContent!)).toEqual([
      { severity: 'warning', message: 'unused_filter: filter host matches no column', line: 1, column: 8 },
    ]);
  });

  it('marks a planner error at its line and column', async () => {
    const failure = new PlanFailure({ message: "unbalanced '('", line: 3, column: 7 });
    const estimate = jest.fn().mockRejectedValue(failure);
    render(<Harness ds={fakeDatasource(estimate, jest.fn().mockRejectedValue(failure))} onRun={jest.fn()} />);
    await settle();
    expect(screen.getByTestId('quarry-cost-badge')).toHaveAttribute('data-state', 'error');
    expect(JSON.parse(screen.getByTestId('markers').textContent!)).toEqual([
      { severity: 'error', message: "unbalanced '('", line: 3, column: 7 },
    ]);
  });

  it('runs the query from the button', () => {
    const onRun = jest.fn();
    render(<Harness ds={fakeDatasource(jest.fn().mockResolvedValue({}), jest.fn())} onRun={onRun} />);
    fireEvent.click(screen.getByTestId('quarry-run'));
    expect(onRun).toHaveBeenCalled();
  });

  it("the editor's Ctrl/Cmd+Enter runs the panel query with the typed SQL", () => {
    const onRun = jest.fn();
    const seen: string[] = [];
    function Watch() {
      const [query, setQuery] = useState<QuarryQuery>({ refId: 'A', rawSql: 'SELECT 1', format: 'table' });
      return (
        <QueryEditor
          datasource={fakeDatasource(jest.fn().mockResolvedValue({}), jest.fn())}
          query={query}
          onChange={setQuery}
          onRunQuery={() => {
            seen.push(query.rawSql ?? '');
            onRun();
          }}
          range={range}
        />
      );
    }
    render(<Watch />);
    fireEvent.change(screen.getByLabelText('SQL'), { target: { value: 'SELECT 42' } });
    fireEvent.click(screen.getByRole('button', { name: 'Ctrl+Enter' }));
    expect(onRun).toHaveBeenCalledTimes(1);
    expect(seen).toEqual(['SELECT 42']);
  });

  it('does not dry-run again when a run or refresh brings the same request', async () => {
    const estimate = jest.fn().mockResolvedValue({ cost: { bytes: 1, rows: 1, usd: 0, kind: 'exact' } });
    const ds = fakeDatasource(estimate, jest.fn());
    const { rerender } = render(<Harness ds={ds} onRun={jest.fn()} />);
    await settle();
    expect(estimate).toHaveBeenCalledTimes(1);
    // A run returns data with a new request object (new requestId, same settings) and a range a few seconds later.
    const data = {
      request: { requestId: 'r2', maxDataPoints: 1000, intervalMs: 0, filters: [] },
    } as unknown as PanelData;
    rerender(<Harness ds={ds} onRun={jest.fn()} data={data} />);
    await settle();
    expect(estimate).toHaveBeenCalledTimes(1);
  });

  it('aborts the dry run in flight when the SQL changes', async () => {
    const signals: AbortSignal[] = [];
    const estimate = jest.fn((_req: unknown, signal: AbortSignal) => {
      signals.push(signal);
      return new Promise(() => {});
    });
    render(<Harness ds={fakeDatasource(estimate as unknown as jest.Mock, jest.fn())} onRun={jest.fn()} />);
    await settle();
    expect(signals).toHaveLength(1);
    fireEvent.change(screen.getByLabelText('SQL'), { target: { value: 'SELECT 2' } });
    expect(signals[0].aborted).toBe(true);
    await settle();
    expect(signals).toHaveLength(2);
    expect(signals[1].aborted).toBe(false);
  });

  it("sends the dashboard's variables and re-plans when they change", async () => {
    let value: string | string[] = ['api', 'web'];
    setTemplateSrv({
      getVariables: () => [{ name: 'service', current: { value } }],
    } as unknown as TemplateSrv);
    const estimate = jest.fn().mockResolvedValue({});
    const ds = fakeDatasource(estimate, jest.fn());
    const { rerender } = render(<Harness ds={ds} onRun={jest.fn()} />);
    await settle();
    expect(estimate.mock.calls[0][0].variables).toEqual({ service: ['api', 'web'] });
    value = 'db';
    rerender(<Harness ds={ds} onRun={jest.fn()} />);
    await settle();
    expect(estimate).toHaveBeenCalledTimes(2);
    expect(estimate.mock.calls[1][0].variables).toEqual({ service: 'db' });
    setTemplateSrv(undefined as unknown as TemplateSrv);
  });

  it('offers Auto in the compact format picker', async () => {
    const planFn = jest.fn().mockResolvedValue(plan);
    render(<Harness ds={fakeDatasource(jest.fn().mockResolvedValue({}), planFn)} onRun={jest.fn()} />);
    fireEvent.keyDown(screen.getByLabelText('Format'), { key: 'ArrowDown' });
    fireEvent.click(await screen.findByText('Auto'));
    fireEvent.click(screen.getByTestId('quarry-plan-toggle'));
    await settle();
    expect(planFn.mock.calls[0][0].format).toBe('auto');
  });
});
