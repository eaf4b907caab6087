import { CoreApp, DataQueryRequest } from '@grafana/data';

import type { DataSource } from '../../datasource';
import { QuarryQuery } from '../../types';
import { Runner } from './preview';

/** runnerFor runs a preview through the data source's query path (the backend plans and runs it). */
export function runnerFor(ds: DataSource): Runner {
  return ({ targets, range }) =>
    ds.query({
      requestId: `quarry-preview-${targets[0]?.refId ?? 'A'}`,
      interval: '1m',
      intervalMs: 60_000,
      maxDataPoints: 1000,
      range,
      scopedVars: {},
      targets,
      timezone: 'browser',
      app: CoreApp.Dashboard,
      startTime: Date.now(),
    } as DataQueryRequest<QuarryQuery>);
}
