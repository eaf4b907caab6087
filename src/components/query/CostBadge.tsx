import { css, cx } from '@emotion/css';
import React from 'react';
import { GrafanaTheme2 } from '@grafana/data';
import { Alert, Icon, Spinner, Tooltip, useStyles2 } from '@grafana/ui';

import { CostKind, Estimate, PlanError } from '../../types';
import { DryRun } from './useDryRun';

const KIND_TEXT: Record<CostKind, string> = {
  exact: 'exact',
  estimate: 'estimate',
  upperBound: 'upper bound',
  unknown: 'unknown',
};

/** formatBytes prints bytes in binary units (1.5 GiB). */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

/** formatUSD prints dollars with enough precision for small costs. */
export function formatUSD(usd: number): string {
  if (usd === 0) {
    return '$0';
  }
  return usd < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(2)}`;
}

/** costSummary is the badge's one-line text for an estimate. */
export function costSummary(e: Estimate): string {
  const c = e.cost;
  if (!c) {
    return 'no estimate';
  }
  const approx = c.kind === 'exact' ? '' : c.kind === 'upperBound' ? '≤ ' : '≈ ';
  // Engines that cannot estimate bytes (DuckDB, PostgreSQL) report 0: show only the figures they have.
  const parts: string[] = [];
  if (c.bytes > 0 || (c.rows <= 0 && c.usd <= 0)) {
    parts.push(formatBytes(c.bytes));
  }
  if (c.usd > 0) {
    parts.push(formatUSD(c.usd));
  }
  if (c.rows > 0) {
    parts.push(`${c.rows.toLocaleString('en-US')} rows`);
  }
  parts[0] = approx + parts[0];
  return `${parts.join(' · ')} (${KIND_TEXT[c.kind] ?? c.kind})`;
}

interface Props {
  dryRun: DryRun<Estimate>;
}

/** CostBadge shows the dry-run estimate, a warning when over a guardrail, or why there is none. */
export function CostBadge({ dryRun }: Props) {
  const styles = useStyles2(getStyles);
  if (dryRun.state === 'idle') {
    return null;
  }
  if (dryRun.state === 'loading') {
    return (
      <span className={styles.badge} data-testid="quarry-cost-badge" data-state="loading">
        <Spinner inline size="xs" /> {dryRun.last ? costSummary(dryRun.last) : 'Estimating…'}
      </span>
    );
  }
  if (dryRun.state === 'error') {
    return <ErrorBadge error={dryRun.error} />;
  }
  const e = dryRun.value;
  const over = Boolean(e.overBudget);
  const tip = [
    e.cost?.referencedTables?.length ? `Tables: ${e.cost.referencedTables.join(', ')}` : '',
    ...(e.cost?.notes ?? []),
    e.message ?? '',
  ]
    .filter(Boolean)
    .join('\n');
  return (
    <Tooltip content={<pre className={styles.tip}>{tip || 'Dry-run estimate of this query'}</pre>}>
      <span
        className={cx(styles.badge, over && styles.over)}
        data-testid="quarry-cost-badge"
        data-state={over ? 'over-budget' : 'ok'}
        role={over ? 'alert' : 'status'}
      >
        <Icon name={over ? 'exclamation-triangle' : 'database'} size="sm" />{' '}
        {over ? `Over budget: ${costSummary(e)}` : costSummary(e)}
      </span>
    </Tooltip>
  );
}

/** BudgetWarning explains, below the toolbar, why a query over a guardrail will be refused. */
export function BudgetWarning({ dryRun }: Props) {
  const styles = useStyles2(getStyles);
  if (dryRun.state !== 'done' || !dryRun.value.overBudget) {
    return null;
  }
  return (
    <Alert
      className={styles.warning}
      severity="warning"
      title="This query is over the data source's cost guardrail and will be refused"
      data-testid="quarry-budget-warning"
    >
      {dryRun.value.message ?? costSummary(dryRun.value)}
    </Alert>
  );
}

function ErrorBadge({ error }: { error: PlanError }) {
  const styles = useStyles2(getStyles);
  const where = error.line ? ` (line ${error.line}, column ${error.column ?? 0})` : '';
  return (
    <span
      className={cx(styles.badge, styles.error)}
      data-testid="quarry-cost-badge"
      data-state="error"
      title={error.message}
    >
      <Icon name="exclamation-circle" size="sm" /> No estimate{where}: {truncate(error.message, 90)}
    </span>
  );
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

const getStyles = (theme: GrafanaTheme2) => ({
  badge: css({
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    padding: theme.spacing(0.25, 1),
    borderRadius: theme.shape.radius.pill,
    border: `1px solid ${theme.colors.border.medium}`,
    background: theme.colors.background.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'nowrap',
    maxWidth: '60ch',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
  over: css({
    borderColor: theme.colors.error.border,
    background: theme.colors.error.transparent,
    color: theme.colors.error.text,
    fontWeight: theme.typography.fontWeightMedium,
  }),
  error: css({
    borderColor: theme.colors.warning.border,
    color: theme.colors.warning.text,
  }),
  warning: css({ marginBottom: 0 }),
  tip: css({ margin: 0, whiteSpace: 'pre-wrap' }),
});
