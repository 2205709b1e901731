import { GatehouseError } from '../../../shared/errors.js';

/**
 * A repository the PostgreSQL store does not have yet: every method rejects with UNSUPPORTED
 * naming the feature, instead of the feature silently doing nothing on PostgreSQL (the failure
 * of the system this one replaces).
 */
export function notYetOnPostgres<T extends object>(feature: string): T {
  return new Proxy({} as T, {
    get(_target, property) {
      // Not a thenable: awaiting the repository itself must not call a method.
      if (property === 'then' || typeof property === 'symbol') return undefined;
      return async () => {
        throw new GatehouseError('UNSUPPORTED', `${feature} (${String(property)}) is not available on PostgreSQL yet`);
      };
    },
  });
}
