import { QuarryQuery } from './types';

/** QUERY_TYPE_VARIABLE asks the backend for a (text, value) frame (pkg/plugin QueryTypeVariable). */
export const QUERY_TYPE_VARIABLE = 'variable';

/** migrateVariableQuery accepts the old string form of a variable query. */
export function migrateVariableQuery(q: QuarryQuery | string): QuarryQuery {
  if (typeof q === 'string') {
    return { refId: 'variable', rawSql: q };
  }
  return { ...q, refId: q.refId || 'variable' };
}
