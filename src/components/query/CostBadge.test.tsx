import { render, screen } from '@testing-library/react';
import React from 'react';

import { Estimate } from '../../types';
import { BudgetWarning, CostBadge, costSummary, formatBytes, formatUSD } from './CostBadge';

const estimate: Estimate = {
  cost: {
    bytes: 3 * 1024 ** 3,
    rows: 1036800,
    usd: 0.0183,
    kind: 'estimate',
    referencedTables: ['sample.http_requests'],
  },
};

describe('CostBadge', () => {
  it('renders nothing before there is a query, and no warning under budget', () => {
    const { container } = render(
      <>
        <CostBadge dryRun={{ state: 'idle' }} />
        <BudgetWarning dryRun={{ state: 'done', value: estimate }} />
      </>
    );
    expect(container).toBeEmptyDOMElement();
  });

  it('shows that it is estimating, keeping the last figures', () => {
    render(<CostBadge dryRun={{ state: 'loading', last: estimate }} />);
    const badge = screen.getByTestId('quarry-cost-badge');
    expect(badge).toHaveAttribute('data-state', 'loading');
    expect(badge).toHaveTextContent('3.00 GiB');
  });

  it('shows bytes, dollars, rows and the kind of estimate', () => {
    render(<CostBadge dryRun={{ state: 'done', value: estimate }} />);
    const badge = screen.getByTestId('quarry-cost-badge');
    expect(badge).toHaveAttribute('data-state', 'ok');
    expect(badge).toHaveTextContent('≈ 3.00 GiB · $0.02 · 1,036,800 rows (estimate)');
  });

  it('turns into a warning when over a guardrail', () => {
    const over = { ...estimate, overBudget: true, message: 'estimated 3 GiB exceeds the limit of 1 GiB' };
    render(
      <>
        <CostBadge dryRun={{ state: 'done', value: over }} />
        <BudgetWarning dryRun={{ state: 'done', value: over }} />
      </>
    );
    const badge = screen.getByTestId('quarry-cost-badge');
    expect(badge).toHaveAttribute('data-state', 'over-budget');
    expect(badge).toHaveTextContent('Over budget: ≈ 3.00 GiB · $0.02 · 1,036,800 rows (estimate)');
    expect(screen.getByTestId('quarry-budget-warning')).toHaveTextContent('estimated 3 GiB exceeds the limit of 1 GiB');
  });

  it('says why there is no estimate, with the position', () => {
    render(<CostBadge dryRun={{ state: 'error', error: { message: 'unexpected FROM', line: 2, column: 5 } }} />);
    const badge = screen.getByTestId('quarry-cost-badge');
    expect(badge).toHaveAttribute('data-state', 'error');
    expect(badge).toHaveTextContent('No estimate (line 2, column 5): unexpected FROM');
  });
});

describe('formatting', () => {
  it('formats bytes, dollars and kinds', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(20 * 1024 ** 4)).toBe('20.0 TiB');
    expect(formatUSD(0)).toBe('$0');
    expect(formatUSD(0.00012)).toBe('$0.00012');
    expect(formatUSD(12.345)).toBe('$12.35');
    expect(costSummary({ cost: { bytes: 1024, rows: 0, usd: 0, kind: 'upperBound' } })).toBe(
      '≤ 1.00 KiB (upper bound)'
    );
    expect(costSummary({ cost: { bytes: 0, rows: 10, usd: 0, kind: 'exact' } })).toBe('10 rows (exact)');
    expect(costSummary({ cost: { bytes: 0, rows: 0, usd: 0, kind: 'unknown' } })).toBe('≈ 0 B (unknown)');
  });
});
