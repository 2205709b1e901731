import { GatehouseError } from '../../shared/errors.js';
import { openPostgresStore } from './postgres/store.js';
import { openSqliteStore } from './sqlite/store.js';
import type { Store, StoreOptions } from './types.js';

export type * from './types.js';
export type * from './operations-types.js';
export type * from './undo-types.js';
export type * from './review-types.js';
export { redactConnectionString, redactSecrets } from './redact.js';
export { isProcessAlive } from './process.js';

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** Opens the store a `--db` value names: a file path (SQLite) or a postgres:// URL. */
export async function openStore(location: string, options: StoreOptions = {}): Promise<Store> {
  if (location.trim() === '') throw new GatehouseError('USAGE', 'the database location is empty');
  if (isPostgresUrl(location)) {
    return openPostgresStore(location, options);
  }
  return openSqliteStore(location, options);
}
