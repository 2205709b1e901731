import { GatehouseError } from '../../shared/errors.js';
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
  // Each backend's driver is loaded only when it is used: the CLI starts faster on either.
  if (isPostgresUrl(location)) {
    const { openPostgresStore } = await import('./postgres/store.js');
    return openPostgresStore(location, options);
  }
  const { openSqliteStore } = await import('./sqlite/store.js');
  return openSqliteStore(location, options);
}
export { checkStagingTarget, copyToStaging, type StagingCopy } from './staging.js';
