import { names, PlanFailure, ResourceClient, toPlanError } from './api';

function client(get: jest.Mock, post: jest.Mock = jest.fn()) {
  return new ResourceClient({ getResource: get, postResource: post });
}

describe('ResourceClient', () => {
  it('turns a 400 from /plan into a PlanFailure with line and column', async () => {
    const post = jest
      .fn()
      .mockRejectedValue({ status: 400, data: { error: { message: 'unexpected )', line: 3, column: 14 } } });
    const err = await client(jest.fn(), post)
      .plan({ rawSql: 'x', timeRange: { from: 'a', to: 'b' } })
      .catch((e) => e);
    expect(err).toBeInstanceOf(PlanFailure);
    expect(err.detail).toEqual({ message: 'unexpected )', line: 3, column: 14 });
  });

  it('marks an estimate refused by the guardrail as over budget', async () => {
    const post = jest
      .fn()
      .mockResolvedValue({ cost: { bytes: 1, rows: 1, usd: 0, kind: 'exact' }, refused: 'too big' });
    const e = await client(jest.fn(), post).estimate({ rawSql: 'x', timeRange: { from: 'a', to: 'b' } });
    expect(e.overBudget).toBe(true);
    expect(e.message).toBe('too big');
  });

  it('fetches /macros once and unwraps {"macros": [...]}', async () => {
    const get = jest.fn().mockResolvedValue({ macros: [{ name: '$__timeFilter', args: ['column'] }] });
    const c = client(get);
    expect(await c.macros()).toHaveLength(1);
    await c.macros();
    expect(get).toHaveBeenCalledTimes(1);
  });

  it('passes dataset and table to /schema routes and caches answers', async () => {
    const get = jest.fn().mockResolvedValue({ name: 't', columns: [{ name: 'ts', type: 'TIMESTAMP' }] });
    const c = client(get);
    await c.columns('sample', 't');
    await c.columns('sample', 't');
    expect(get).toHaveBeenCalledTimes(1);
    expect(get).toHaveBeenCalledWith('schema/columns', { dataset: 'sample', table: 't' });
  });
});

describe('names', () => {
  it('accepts plain lists, objects and wrapped lists', () => {
    expect(names(['a', 'b'])).toEqual(['a', 'b']);
    expect(names([{ name: 'a' }, { text: 'b' }])).toEqual(['a', 'b']);
    expect(names({ datasets: ['sample'] })).toEqual(['sample']);
    expect(names(null)).toEqual([]);
  });
});

describe('toPlanError', () => {
  it('reads message-only and string errors', () => {
    expect(toPlanError({ data: { message: 'boom' } })).toEqual({ message: 'boom' });
    expect(toPlanError({ data: { error: 'bad' } })).toEqual({ message: 'bad' });
    expect(toPlanError(new Error('net'))).toEqual({ message: 'net' });
  });
});
