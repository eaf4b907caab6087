import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';

import { AltinityOptions, usesAltinityMacros } from './AltinityOptions';
import { QuarryQuery } from '../../types';

describe('usesAltinityMacros', () => {
  it('finds Altinity macros and statement macros, not Grafana ones', () => {
    expect(usesAltinityMacros('$rateColumns(OS, count() c) FROM $table')).toBe(true);
    expect(usesAltinityMacros('SELECT 1 FROM t WHERE $timeFilter')).toBe(true);
    expect(usesAltinityMacros('SELECT 1 FROM t WHERE $__timeFilter(ts)')).toBe(false);
    expect(usesAltinityMacros('SELECT $tables')).toBe(false);
    expect(usesAltinityMacros(undefined)).toBe(false);
  });
});

describe('AltinityOptions', () => {
  it('edits the query model fields', () => {
    const q: QuarryQuery = { refId: 'A', rawSql: '$columns(k, count() c) FROM $table', table: 'requests' };
    const onChange = jest.fn();
    render(<AltinityOptions query={q} onChange={onChange} />);
    expect(screen.getByLabelText('Table')).toHaveValue('requests');
    fireEvent.change(screen.getByLabelText('Column:DateTime'), { target: { value: 'EventTime' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...q, dateTimeColDataType: 'EventTime' });
    fireEvent.change(screen.getByLabelText('Interval factor'), { target: { value: '2' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...q, intervalFactor: 2 });
  });
});
