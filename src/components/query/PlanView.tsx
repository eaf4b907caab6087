import { css } from '@emotion/css';
import React from 'react';
import { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, BadgeColor, Spinner, useStyles2 } from '@grafana/ui';

import { Plan, PlanError } from '../../types';
import { DryRun } from './useDryRun';

const STEP_COLORS: Record<string, BadgeColor> = {
  macro: 'blue',
  pushdown: 'green',
  timepushdown: 'green',
  partition: 'purple',
  limit: 'orange',
  variable: 'darkgrey',
};

/** PlanView shows what the planner did: the final SQL, each step and the warnings. */
export function PlanView({ dryRun }: { dryRun: DryRun<Plan> }) {
  const styles = useStyles2(getStyles);
  if (dryRun.state === 'idle') {
    return null;
  }
  if (dryRun.state === 'error') {
    return <PlanErrorView error={dryRun.error} />;
  }
  const plan = dryRun.state === 'done' ? dryRun.value : dryRun.last;
  if (!plan) {
    return (
      <div className={styles.box} data-testid="quarry-plan-view">
        <Spinner inline /> Planning…
      </div>
    );
  }
  const steps = plan.steps ?? [];
  const warnings = plan.warnings ?? [];
  return (
    <div className={styles.box} data-testid="quarry-plan-view">
      <div className={styles.heading}>
        Final SQL <span className={styles.muted}>({plan.statement || 'select'})</span>
        {dryRun.state === 'loading' && <Spinner inline size="xs" />}
      </div>
      <pre className={styles.sql} data-testid="quarry-plan-sql">
        {plan.sql}
      </pre>
      <div className={styles.heading}>Steps</div>
      {steps.length === 0 ? (
        <div className={styles.muted}>The planner left the query unchanged.</div>
      ) : (
        <ol className={styles.list} data-testid="quarry-plan-steps">
          {steps.map((s, i) => (
            <li key={i}>
              <Badge text={s.kind} color={STEP_COLORS[s.kind] ?? 'darkgrey'} /> {s.detail}
            </li>
          ))}
        </ol>
      )}
      {warnings.length > 0 && (
        <>
          <div className={styles.heading}>Warnings</div>
          <ul className={styles.list} data-testid="quarry-plan-warnings">
            {warnings.map((w, i) => (
              <li key={i}>
                <Badge text={w.code} color="orange" icon="exclamation-triangle" /> {w.message}
                {w.line ? (
                  <span className={styles.muted}>
                    {' '}
                    (line {w.line}, column {w.column ?? 0})
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function PlanErrorView({ error }: { error: PlanError }) {
  const styles = useStyles2(getStyles);
  const title = error.line ? `Line ${error.line}, column ${error.column ?? 0}` : 'The query cannot be planned';
  return (
    <div data-testid="quarry-plan-view">
      <Alert severity="error" title={title} data-testid="quarry-plan-error">
        {error.message}
        {error.snippet && <pre className={styles.sql}>{error.snippet}</pre>}
      </Alert>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  box: css({
    marginTop: theme.spacing(1),
    padding: theme.spacing(1),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
  heading: css({
    fontWeight: theme.typography.fontWeightMedium,
    margin: theme.spacing(1, 0, 0.5),
    display: 'flex',
    gap: theme.spacing(1),
    alignItems: 'center',
  }),
  muted: css({ color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightRegular }),
  sql: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'pre-wrap',
    margin: 0,
    maxHeight: 300,
    overflow: 'auto',
  }),
  list: css({ paddingLeft: theme.spacing(3), margin: 0, li: { marginBottom: theme.spacing(0.5) } }),
});
