import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Db, StoreDriver } from '../driver.js';
import { checksumProblems, committedAllTheSame, mendingDamage, notCommitted, replaceFromSnapshot, restoreFailure, restoreLanded } from '../restore.js';
import { CommitOutcomeUnknown } from '../faults.js';
import { storeShape } from '../damaged.js';
import { relinkForeignKeys, remakeTable, scratchSchemaName } from './remake.js';
import { addedAfterSnapshots, columnsOf, REPLACED_TABLES, snakeCase, TABLES, type TableName } from '../schema.js';
import { snapshotInContractOrder, type RestoreEvent, type RestoreMade, type RestoreRequest, type Snapshot, type SnapshotSupport } from '../snapshot-types.js';
import { quoteIdentifier, snapshotSchemaPrefix } from './target.js';
import { withAppearancesByWitness } from '../witness-index.js';

/**
 * PostgreSQL snapshots: each one a schema beside the store's, holding a server-side copy of every
 * table a restore replaces, taken in one REPEATABLE READ transaction (one consistent state). The
 * list lives in the store's `snapshots` table, which a restore keeps. The checksum covers the
 * copied rows table by table, so a snapshot changed after it was taken fails verification.
 */
export class PostgresSnapshots implements SnapshotSupport {
  readonly place: string;

  constructor(
    private readonly driver: StoreDriver,
    private readonly schema: string,
    /** Builds a store in the named scratch schema with this code's migrations (remake.ts). */
    private readonly migrateScratch: (scratch: string) => Promise<void>,
  ) {
    this.place = `schemas ${snapshotSchemaPrefix(schema)}*`;
  }

  async list(): Promise<Snapshot[]> {
    if (await this.listLost()) return this.survivors();
    const rows = await this.driver.db.selectFrom('snapshots').selectAll().orderBy('createdAt', 'desc').execute();
    return rows.map(({ place, ...row }) => snapshotInContractOrder({ ...row, file: place, kind: row.kind as Snapshot['kind'] }));
  }

  async deniedToRole(): Promise<{ why: string; grant: string } | null> {
    const { rows } = await sql<{ allowed: number; role: string; database: string }>`SELECT has_database_privilege(current_database(), 'CREATE') AS allowed,
      current_user AS role, current_database() AS database`.execute(this.driver.db);
    const { allowed, role, database } = rows[0]!;
    if (allowed) return null;
    // Not "the role that owns the store": under a DBA's least privilege that is this role, its own schema and no CREATE on the database.
    return {
      why: `role ${role} may not create schemas in database ${database}, and each snapshot is a schema beside the store's`,
      grant: `GRANT CREATE ON DATABASE ${quoteIdentifier(database)} TO ${quoteIdentifier(role)} lets it take snapshots; or take them as a role that has that privilege`,
    };
  }

  async readDenied(snapshot: Snapshot): Promise<{ why: string; grant: string } | null> {
    const { rows } = await sql<{ role: string; owner: string; usable: number; readable: number }>`SELECT current_user AS role, pg_get_userbyid(n.nspowner) AS owner,
      has_schema_privilege(n.oid, 'USAGE') AS usable,
      coalesce((SELECT bool_and(has_table_privilege(c.oid, 'SELECT')) FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind = 'r'), true) AS readable
      FROM pg_namespace n WHERE n.nspname = ${snapshot.file}`.execute(this.driver.db);
    const found = rows[0];
    if (!found || (found.usable && found.readable)) return null;
    const [schema, role] = [quoteIdentifier(snapshot.file), quoteIdentifier(found.role)];
    const grants = [...(found.usable ? [] : [`GRANT USAGE ON SCHEMA ${schema} TO ${role}`]), `GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${role}`];
    return {
      why: `role ${found.role} may not read schema ${snapshot.file}, snapshot ${snapshot.id}'s copy (taken by role ${found.owner}, which owns it)`,
      grant: `${grants.join('; ')} (as ${found.owner} or a superuser) ${grants.length > 1 ? 'let' : 'lets'} it read the copy; or run this as ${found.owner}`,
    };
  }

  async removalDenied(snapshots: readonly Snapshot[]): Promise<{ why: string; grant: string } | null> {
    if (snapshots.length === 0) return null;
    const { rows } = await sql<{ schema: string; owner: string; role: string }>`SELECT n.nspname AS schema, pg_get_userbyid(n.nspowner) AS owner, current_user AS role
      FROM pg_namespace n WHERE n.nspname = ANY(${snapshots.map((snapshot) => snapshot.file)}) AND NOT pg_has_role(n.nspowner, 'MEMBER') ORDER BY n.nspname`.execute(this.driver.db);
    if (rows.length === 0) return null;
    const { role } = rows[0]!;
    const owners = [...new Set(rows.map((row) => row.owner))].join(', ');
    const shown = rows.slice(0, 3).map((row) => `ALTER SCHEMA ${quoteIdentifier(row.schema)} OWNER TO ${quoteIdentifier(role)}`);
    const more = rows.length > shown.length ? ` (and so for the ${rows.length - shown.length} more schemas)` : '';
    return {
      why: `role ${role} does not own ${rows.length === 1 ? `snapshot schema ${rows[0]!.schema}` : `snapshot schemas ${rows.map((row) => row.schema).join(', ')}`} (owned by ${owners}), and only a schema's owner may drop it`,
      grant: `${shown.join('; ')}${more} (run as a superuser) lets ${role} drop ${rows.length === 1 ? 'it' : 'them'}; or run this as ${owners}`,
    };
  }

  async take(meta: Pick<Snapshot, 'id' | 'kind' | 'createdAt' | 'runId'>): Promise<Snapshot> {
    const place = `${snapshotSchemaPrefix(this.schema)}${meta.id.toLowerCase().replace(/[^a-z0-9]/g, '_')}`;
    return this.driver.transaction(async (trx) => {
      await sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`.execute(trx);
      await sql`CREATE SCHEMA ${sql.id(place)}`.execute(trx);
      // A store opened not all there for a restore: its safety snapshot holds what is left (verifying it says what is missing).
      const dropped = this.driver.damage ? (await storeShape(trx, 'postgres')).replacedMissing : [];
      for (const table of REPLACED_TABLES.filter((name) => !dropped.includes(name))) await sql`CREATE TABLE ${sql.id(place, snakeCase(table))} AS TABLE ${sql.id(snakeCase(table))}`.execute(trx);
      const size = await sql<{ bytes: number }>`SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ${place} AND c.relkind = 'r'`.execute(trx);
      const snapshot = snapshotInContractOrder({ ...meta, file: place, sizeBytes: size.rows[0]!.bytes, sha256: await contentHash(trx, place) });
      const { file: _file, ...row } = snapshot;
      await trx.insertInto('snapshots').values({ ...row, place }).execute();
      return snapshot;
    });
  }

  async attachRun(id: string, runId: number): Promise<void> {
    await this.driver.db.updateTable('snapshots').set({ runId }).where('id', '=', id).execute();
  }

  async check(snapshot: Snapshot): Promise<string[]> {
    // information_schema lists only what the role may use: a copy it may not read looked missing.
    const denied = await this.readDenied(snapshot);
    if (denied) return [`${denied.why} (${denied.grant})`];
    const present = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ${snapshot.file}`.execute(this.driver.db);
    if (present.rows.length === 0) return [`schema ${snapshot.file} is missing`];
    const names = new Set(present.rows.map((row) => row.name));
    const missing = REPLACED_TABLES.filter((table) => !addedAfterSnapshots(table)).map(snakeCase).filter((table) => !names.has(table));
    if (missing.length > 0) return [`tables missing from ${snapshot.file}: ${missing.join(', ')}`];
    return checksumProblems(snapshot, await contentHash(this.driver.db, snapshot.file));
  }

  async unavailable(snapshot: Snapshot): Promise<string | null> {
    const found = await sql<{ name: string }>`SELECT nspname AS name FROM pg_namespace WHERE nspname = ${snapshot.file}`.execute(this.driver.db);
    return found.rows.length === 0 ? `its schema ${snapshot.file} is missing` : null;
  }

  async remove(snapshot: Snapshot): Promise<void> {
    await this.driver.transaction(async (trx) => {
      await sql`DROP SCHEMA IF EXISTS ${sql.id(snapshot.file)} CASCADE`.execute(trx);
      await trx.deleteFrom('snapshots').where('id', '=', snapshot.id).execute();
    });
  }

  /** Opened for a restore without its `snapshots` table (dropped outside Gatehouse): the list is gone, and only it. */
  private async listLost(): Promise<boolean> {
    if (!this.driver.damage) return false;
    const { rows } = await sql<{ found: string | null }>`SELECT to_regclass(${`${quoteIdentifier(this.schema)}.snapshots`})::text AS found`.execute(this.driver.db);
    return rows[0]!.found === null;
  }

  /**
   * The snapshots whose schemas survive the list, read back from them: the id from the schema's
   * name (take() made it of the id), the time from the id (when it was asked for, a moment before it was taken). Their kind and run were only in the
   * list: `unknown` and none. Their checksums are computed now, so a copy changed after it was
   * taken verifies all the same; a schema whose name is not an id this code gives is left out.
   */
  private async survivors(): Promise<Snapshot[]> {
    const prefix = snapshotSchemaPrefix(this.schema);
    const { rows } = await sql<{ name: string }>`SELECT nspname AS name FROM pg_namespace WHERE left(nspname, ${prefix.length}) = ${prefix} ORDER BY nspname DESC`.execute(this.driver.db);
    const found: Snapshot[] = [];
    for (const { name } of rows) {
      const id = /^(\d{8})t(\d{6})(\d{3})z_([0-9a-f]{6})$/.exec(name.slice(prefix.length));
      if (!id) continue;
      const [, day, time, ms, tag] = id as unknown as [string, string, string, string, string];
      const createdAt = `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}T${time.slice(0, 2)}:${time.slice(2, 4)}:${time.slice(4)}.${ms}Z`;
      const size = await sql<{ bytes: number }>`SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ${name} AND c.relkind = 'r'`.execute(this.driver.db);
      found.push(snapshotInContractOrder({ id: `${day}T${time}${ms}Z-${tag}`, file: name, createdAt, kind: 'unknown', runId: null, sizeBytes: Number(size.rows[0]!.bytes), sha256: await contentHash(this.driver.db, name) }));
    }
    return found;
  }

  async relistSurvivors(): Promise<void> {
    if (!(await this.listLost())) return;
    const survivors = await this.survivors();
    const scratch = scratchSchemaName(this.schema);
    try {
      await this.dropScratch(scratch);
      await this.migrateScratch(scratch);
      await this.driver.transaction(async (trx) => {
        await remakeTable(trx, scratch, 'snapshots');
        for (const { file, ...row } of survivors) await trx.insertInto('snapshots').values({ ...row, place: file }).execute();
      });
    } finally {
      await this.dropScratch(scratch).catch(() => {});
    }
  }

  /** A snapshot schema lives beside the database it was taken of, which this code has already opened (and would have refused if newer). */
  async refuseUnrestorable(): Promise<void> {}

  async restore(snapshot: Snapshot, request: RestoreRequest): Promise<RestoreMade> {
    const scratch = this.driver.damage ? scratchSchemaName(this.schema) : null;
    // The event as the transaction wrote it, before its COMMIT: the restore's outcome when a cut connection took the answer (a cast: it is set in a callback).
    let drafted = null as RestoreEvent | null;
    try {
      if (scratch) {
        await this.dropScratch(scratch);
        await this.migrateScratch(scratch);
      }
      const event = await this.driver.transaction(async (trx) => {
        await readOneSnapshot(trx);
        const remake = { table: (table: TableName) => remakeTable(trx, scratch!, table), relink: (tables: readonly TableName[]) => relinkForeignKeys(trx, scratch!, tables) };
        return (drafted = await mendingDamage(trx, 'postgres', scratch !== null, remake, new Date(request.at), () => restoreInTransaction(trx, snapshot, request)));
      });
      return { event, answerLost: null };
    } catch (error) {
      const landed = drafted !== null && error instanceof CommitOutcomeUnknown ? await restoreLanded(this.driver.db, drafted.id) : undefined;
      if (landed === true) return { event: drafted!, answerLost: committedAllTheSame(snapshot, error as CommitOutcomeUnknown, drafted!.id) };
      throw restoreFailure(snapshot, landed === false ? notCommitted(error as CommitOutcomeUnknown) : error);
    } finally {
      if (scratch) await this.dropScratch(scratch).catch(() => {});
    }
  }

  private async dropScratch(scratch: string): Promise<void> {
    await sql`DROP SCHEMA IF EXISTS ${sql.id(scratch)} CASCADE`.execute(this.driver.db);
  }
}

/**
 * A staging copy's "snapshot" is a live schema that writers (a restore, a run) change as it is
 * read: one snapshot of the database for every table read in the transaction, or staging mixes
 * before and after. The transaction's first statement.
 */
export async function readOneSnapshot(trx: Db): Promise<void> {
  await sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`.execute(trx);
}

/** The restore inside the caller's transaction (begun with readOneSnapshot), for a staging copy that copies more in the same one. */
export async function restoreInTransaction(trx: Db, snapshot: Snapshot, request: RestoreRequest): Promise<RestoreEvent> {
  // Emptying the witnesses checks each against the appearances this transaction has just emptied,
  // whose rows stay in the table until it ends (witness-index.ts).
  const witnesses = await trx.selectFrom('witnesses').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  const event = await withAppearancesByWitness(trx, Number(witnesses.n), () => replaceFromSnapshot(trx, snapshot.file, (table) => columnsIn(trx, snapshot.file, table), snapshot, request));
  await raiseSequences(trx, REPLACED_TABLES);
  return event;
}

/**
 * The SQL names of the columns `table` in schema `schema` shares with the live one: a snapshot (or
 * an older source) from before a migration that added a column restores with that column's
 * default; [] when the schema lacks the table.
 */
export async function columnsIn(trx: Db, schema: string, table: TableName): Promise<string[]> {
  const found = await sql<{ name: string }>`SELECT column_name AS name FROM information_schema.columns
    WHERE table_schema = ${schema} AND table_name = ${snakeCase(table)}`.execute(trx);
  const inSchema = new Set(found.rows.map((row) => row.name));
  return columnsOf(table).map(snakeCase).filter((column) => inSchema.has(column));
}

/**
 * Rows came back with their ids; each id sequence is moved past them (never back), so the next
 * insert does not collide — in a fresh staging schema as after a restore. A sequence never drawn
 * from over a table still empty is left to hand out 1, as SQLite does: setval(s, 1) would mark 1
 * as taken, and the table's first row would be 2.
 */
export async function raiseSequences(trx: Db, tables: readonly TableName[]): Promise<void> {
  for (const table of tables.filter((name) => (TABLES[name].columns as Record<string, string>).id === 'serial').map(snakeCase)) {
    await sql`SELECT CASE WHEN high IS NULL THEN setval(s, 1, false) ELSE setval(s, high) END
      FROM (SELECT s, greatest(pg_sequence_last_value(s), (SELECT max(id) FROM ${sql.id(table)})) AS high
        FROM CAST(pg_get_serial_sequence(${table}, 'id') AS regclass) AS s) AS drawn`.execute(trx);
  }
}

/**
 * One hash over every copied row, table by table, independent of row order. Over the tables the
 * snapshot holds, not the ones a restore now replaces: a snapshot taken while flag values and
 * scheduled tasks were still restored holds their copies too, and must verify as it was taken. A
 * table added since snapshots existed hashes, while empty, as if absent, which it was in theirs.
 */
async function contentHash(db: Db, place: string): Promise<string> {
  const present = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ${place}`.execute(db);
  const held = new Set(present.rows.map((row) => row.name));
  const hash = crypto.createHash('sha256');
  for (const name of (Object.keys(TABLES) as TableName[]).filter((table) => held.has(snakeCase(table)))) {
    const table = snakeCase(name);
    const { rows } = await sql<{ n: number; digest: string }>`SELECT count(*) AS n,
      md5(coalesce(string_agg(md5(x::text), '' ORDER BY md5(x::text)), '')) AS digest FROM ${sql.id(place, table)} AS x`.execute(db);
    if (addedAfterSnapshots(name) && Number(rows[0]!.n) === 0) continue;
    hash.update(`${table}:${rows[0]!.n}:${rows[0]!.digest}\n`);
  }
  return hash.digest('hex');
}
