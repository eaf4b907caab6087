import { fireEvent, render, screen } from '@testing-library/react';
import React, { useState } from 'react';

import { Engine, QuarryQuery } from '../../types';
import { QueryOptions } from './QueryOptions';

function Harness({ engine, seen }: { engine: Engine; seen: QuarryQuery[] }) {
  const [query, setQuery] = useState<QuarryQuery>({ refId: 'A', rawSql: 'SELECT 1' });
  return (
    <QueryOptions
      query={query}
      engine={engine}
      onChange={(q) => {
        seen.push(q);
        setQuery(q);
      }}
    />
  );
}

async function choose(label: string, option: string) {
  fireEvent.keyDown(screen.getByLabelText(label), { key: 'ArrowDown' });
  fireEvent.click(await screen.findByText(option));
}

describe('QueryOptions (the per-query options row)', () => {
  it('sets fill and keeps a typed max rows until blur, then stores a whole number', async () => {
    const seen: QuarryQuery[] = [];
    render(<Harness engine="duckdb" seen={seen} />);
    await choose('Fill', 'Previous');
    expect(seen.at(-1)?.fill).toBe('previous');

    const maxRows = screen.getByLabelText('Max rows') as HTMLInputElement;
    fireEvent.change(maxRows, { target: { value: '250.' } });
    expect(maxRows.value).toBe('250.');
    expect(seen.at(-1)?.maxRows).toBeUndefined();
    fireEvent.blur(maxRows);
    expect(seen.at(-1)?.maxRows).toBe(250);

    // Zero, negative or not a number: back to the data source's cap.
    for (const text of ['0', '-5', 'abc']) {
      fireEvent.change(maxRows, { target: { value: text } });
      fireEvent.blur(maxRows);
      expect(seen.at(-1)?.maxRows).toBeUndefined();
    }
    await choose('Fill', 'As in the SQL');
    expect(seen.at(-1)?.fill).toBeUndefined();
  });

  it('has no BigQuery fields on other engines', () => {
    for (const engine of ['duckdb', 'postgres', 'clickhouse'] as Engine[]) {
      const { unmount } = render(<Harness engine={engine} seen={[]} />);
      expect(screen.queryByLabelText('Location')).toBeNull();
      expect(screen.queryByLabelText('Priority')).toBeNull();
      unmount();
    }
  });

  it('sets BigQuery location and priority, and clears them back to the data source default', async () => {
    const seen: QuarryQuery[] = [];
    render(<Harness engine="bigquery" seen={seen} />);
    fireEvent.change(screen.getByLabelText('Location'), { target: { value: 'EU' } });
    expect(seen.at(-1)?.location).toBe('EU');
    await choose('Priority', 'Batch');
    expect(seen.at(-1)).toMatchObject({ location: 'EU', priority: 'BATCH', rawSql: 'SELECT 1' });
    fireEvent.change(screen.getByLabelText('Location'), { target: { value: '' } });
    await choose('Priority', 'Data source default');
    expect(seen.at(-1)?.location).toBeUndefined();
    expect(seen.at(-1)?.priority).toBeUndefined();
  });
});
