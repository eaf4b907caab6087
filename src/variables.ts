import { CustomVariableSupport, DataQueryRequest, DataQueryResponse } from '@grafana/data';
import { Observable } from 'rxjs';

import { VariableQueryEditor } from './components/editors/VariableQueryEditor';
import type { DataSource } from './datasource';
import { QuarryQuery } from './types';
import { migrateVariableQuery, QUERY_TYPE_VARIABLE } from './variableQuery';

export { migrateVariableQuery, QUERY_TYPE_VARIABLE };

/** QuarryVariableSupport runs template variable queries through the backend. */
export class QuarryVariableSupport extends CustomVariableSupport<DataSource, QuarryQuery> {
  editor = VariableQueryEditor;

  constructor(private readonly ds: DataSource) {
    super();
  }

  query(request: DataQueryRequest<QuarryQuery>): Observable<DataQueryResponse> {
    const targets = request.targets.map((t) => ({
      ...migrateVariableQuery(t),
      queryType: QUERY_TYPE_VARIABLE,
      format: 'table' as const,
    }));
    return this.ds.query({ ...request, targets });
  }

  getDefaultQuery(): Partial<QuarryQuery> {
    return { rawSql: '', format: 'table', queryType: QUERY_TYPE_VARIABLE };
  }
}
