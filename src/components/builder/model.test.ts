import {
  bigQueryProjects,
  columnMarks,
  emptyModel,
  fromValues,
  isNumericType,
  modeForFormat,
  toValue,
  toValues,
  valueArity,
} from './model';

describe('builder model helpers', () => {
  it('maps formats to builder modes', () => {
    expect(modeForFormat('time_series_long')).toBe('time_series');
    expect(modeForFormat('time_series')).toBe('time_series');
    expect(modeForFormat('logs')).toBe('logs');
    expect(modeForFormat('table')).toBe('table');
    expect(modeForFormat(undefined)).toBe('table');
    expect(emptyModel('time_series').time).toEqual({ column: '', interval: '$__interval' });
    expect(emptyModel('logs')).toMatchObject({ mode: 'logs', limit: 1000 });
    expect(emptyModel('table').time).toBeUndefined();
  });

  it('keeps template variables as variables, in every Grafana syntax', () => {
    for (const v of ['$host', '${host}', '${host:singlequote}', '[[host]]']) {
      expect(toValue(v, 'text')).toEqual({ kind: 'variable', text: v });
    }
    // Not a variable: a dollar inside text stays a string for the backend to quote.
    expect(toValue('costs $5', 'text')).toEqual({ kind: 'string', text: 'costs $5' });
    expect(toValue('$host OR 1=1', 'text').kind).toBe('string');
  });

  it('types numbers by the column, so a text column compares with a string', () => {
    expect(toValue('200', 'Int32')).toEqual({ kind: 'number', text: '200' });
    expect(toValue('-1.5e3', 'DOUBLE')).toEqual({ kind: 'number', text: '-1.5e3' });
    expect(toValue('200', 'Nullable(UInt16)')).toEqual({ kind: 'number', text: '200' });
    expect(toValue('200', 'text')).toEqual({ kind: 'string', text: '200' });
    expect(toValue('200', undefined)).toEqual({ kind: 'string', text: '200' });
    expect(toValue('12abc', 'bigint')).toEqual({ kind: 'string', text: '12abc' });
    expect(isNumericType('timestamp with time zone')).toBe(false);
    expect(isNumericType('numeric(10,2)')).toBe(true);
  });

  it('splits IN lists and joins them back', () => {
    const vs = toValues(' web-1, $host ,, 3', 'varchar');
    expect(vs).toEqual([
      { kind: 'string', text: 'web-1' },
      { kind: 'variable', text: '$host' },
      { kind: 'string', text: '3' },
    ]);
    expect(fromValues(vs)).toBe('web-1, $host, 3');
  });

  it('knows how many values an operator takes', () => {
    expect(valueArity('$__timeFilter')).toBe('none');
    expect(valueArity('IS NOT NULL')).toBe('none');
    expect(valueArity('NOT IN')).toBe('list');
    expect(valueArity('LIKE')).toBe('one');
  });

  it('offers the default project, then the allowed ones, on BigQuery only', () => {
    expect(
      bigQueryProjects({
        engine: 'bigquery',
        defaultProject: 'quarry-test',
        allowedDatabases: ['other-project', 'quarry-test', ' '],
      })
    ).toEqual(['quarry-test', 'other-project']);
    expect(bigQueryProjects({ engine: 'bigquery' })).toEqual([]);
    expect(bigQueryProjects({ engine: 'postgres', allowedDatabases: ['app'] })).toEqual([]);
    expect(bigQueryProjects(undefined)).toEqual([]);
  });

  it('marks partition and sort keys', () => {
    expect(columnMarks({ name: 'ts', type: 'DateTime', partitionKey: true, sortKey: true })).toBe(
      'DateTime · partition key · sort key'
    );
    expect(columnMarks({ name: 'host', type: 'String' })).toBe('String');
  });
});
