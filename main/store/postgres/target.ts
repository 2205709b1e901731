import crypto from 'node:crypto';
import type pg from 'pg';
import { GatehouseError } from '../../../shared/errors.js';
import { redactConnectionString } from '../../../shared/redact.js';
import { DEFAULT_LOCK_WAIT_MS } from '../faults.js';

// What a PostgreSQL location means, without loading the driver: staging checks and messages use it.

/** Where a PostgreSQL store lives: the server URL pg connects to and the schema that holds the tables. */
export interface PostgresTarget {
  /** The URL without the `schema` parameter, which pg does not understand. */
  connectionString: string;
  schema: string;
  /** For messages, logs and run records: password removed. */
  location: string;
  /** lock_timeout of every connection (StoreOptions.lockWaitMs); DEFAULT_LOCK_WAIT_MS when absent. */
  lockWaitMs?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/i;
const DEFAULT_SCHEMA = 'public';

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** Reads `postgres://…/db?schema=NAME`. */
export function parsePostgresTarget(url: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GatehouseError('USAGE', `not a valid PostgreSQL URL: ${redactConnectionString(url)}`);
  }
  const schema = parsed.searchParams.get('schema') ?? DEFAULT_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) {
    throw new GatehouseError('USAGE', `PostgreSQL schema name must be letters, digits and underscores, got "${schema}"`);
  }
  parsed.searchParams.delete('schema');
  return { connectionString: parsed.toString(), schema, location: redactConnectionString(url) };
}

/** The store as messages name it: its URL, which says the schema — or, given none, the schema it means. */
export function describeStore(target: PostgresTarget): string {
  return /[?&]schema=/.test(target.location) ? target.location : `${target.location} (schema ${target.schema})`;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function connectionConfig(target: PostgresTarget): pg.ClientConfig {
  return {
    connectionString: target.connectionString,
    // synchronous_commit=off is SQLite's WAL + synchronous=NORMAL here: a killed process loses
    // nothing committed, only a crash of the server's machine can cost the last commits, and
    // batch and checkpoint always go together. It spares each batch a WAL flush.
    // UTC: a date without a time compares the same as on SQLite, whatever the server's zone.
    // lock_timeout: without it a statement waits forever behind a stuck session's lock (faults.ts).
    options: `-c search_path=${quoteIdentifier(target.schema)} -c synchronous_commit=off -c TimeZone=UTC -c lock_timeout=${Math.round(target.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS)}`,
    application_name: `gatehouse:${target.schema}`.slice(0, 63),
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
  };
}

/** Snapshot schemas of one store share a prefix (from the store's schema name, which may be too long to repeat). */
export function snapshotSchemaPrefix(schema: string): string {
  return `gh_snap_${crypto.createHash('sha1').update(schema).digest('hex').slice(0, 8)}_`;
}

/**
 * The schema a staging copy of `staging` is built in before it takes the staging schema's place
 * (staging.ts): dropped and made afresh by every trial, so only a role that may create schemas can use it.
 */
export function stagingCopySchema(staging: string): string {
  return `${STAGING_COPY_SCHEMA_PREFIX}${crypto.createHash('sha1').update(staging).digest('hex').slice(0, 8)}`;
}

export const STAGING_COPY_SCHEMA_PREFIX = 'gh_copying_';

/**
 * First key of the advisory lock that serializes the opening (and migrating) of one schema across
 * processes (driver.ts takes it exclusively); a staging copy holds it shared while it reads the schema (staging.ts).
 */
export const MIGRATION_LOCK_CLASS = 0x4d494752;
