import fs from 'node:fs';
import path from 'node:path';
import { GatehouseError } from '../../shared/errors.js';
import { isPostgresUrl, openStore, stagingExists, type Store } from '../store/index.js';
import { checkStagingTarget } from '../store/index.js';

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Where the console's trials go. SQLite: a file path (default: `<db>.staging.db` beside the
 * database). PostgreSQL: a schema name in the source's own database (default: `<schema>_staging`);
 * the console never sends a connection string, so no password crosses to the renderer.
 */
export function stagingTargetFor(source: string, given?: string | null): string {
  const name = given?.trim() || null;
  if (isPostgresUrl(source)) {
    const url = new URL(source);
    const schema = name ?? `${url.searchParams.get('schema') ?? 'public'}_staging`;
    if (!SCHEMA_NAME.test(schema)) throw new GatehouseError('USAGE', `a staging schema is letters, digits and underscores, got "${schema}"`);
    url.searchParams.set('schema', schema);
    return url.toString();
  }
  // A PostgreSQL URL for a file's staging was taken as a path and refused as a missing folder: say it is another backend, as the CLI does.
  if (name !== null && isPostgresUrl(name)) checkStagingTarget(source, name);
  if (name === null) {
    const parsed = path.parse(path.resolve(source));
    return path.join(parsed.dir, `${parsed.name}.staging${parsed.ext || '.db'}`);
  }
  return path.resolve(name);
}

/** The staging target for `given`, refused up front when it is the source or cannot be one. */
export function checkedStagingTarget(source: string, given?: string | null): string {
  const staging = stagingTargetFor(source, given);
  checkStagingTarget(source, staging);
  return staging;
}

/** What the console shows for a staging target: the path, or the schema name (never a URL). */
export function stagingLabel(staging: string): string {
  return isPostgresUrl(staging) ? `schema ${new URL(staging).searchParams.get('schema') ?? 'public'}` : staging;
}

/**
 * The staging copy whose trial ledger a what-if adds: the one named, or the default one (the SQLite
 * file, the PostgreSQL `<schema>_staging`) when it may exist; null otherwise. A PostgreSQL schema is
 * looked for by `withStagingLedger`, which does not open (and so create) one that is not there.
 */
export function existingStagingFor(source: string, given?: string | null): string | null {
  if (given?.trim()) return stagingTargetFor(source, given);
  const target = stagingTargetFor(source);
  if (isPostgresUrl(target)) return target;
  return target !== path.resolve(source) && fs.existsSync(target) ? target : null;
}

/** Opens the staging ledger to read it; null when the staging file or schema was never made (it is not created here). */
export async function withStagingLedger<T>(staging: string, read: (ledger: Store) => Promise<T>): Promise<T | null> {
  if (!(await stagingExists(staging))) return null;
  const ledger = await openStore(staging);
  try {
    return await read(ledger);
  } finally {
    await ledger.close();
  }
}
