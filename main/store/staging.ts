import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { GatehouseError } from '../../shared/errors.js';
import { STAGING_COPY_OPERATOR, stagingCopyReason, type KeptSessionAttempt, type NewTrialRecord } from './repositories/trials.js';
import type { Queryable } from './postgres/connection.js';
import { isPostgresUrl, parsePostgresTarget, quoteIdentifier, stagingCopySchema, type PostgresTarget } from './postgres/target.js';
import type { Store } from './types.js';
import type { Snapshot } from './snapshot-types.js';
import { redactConnectionString } from '../../shared/redact.js';
import { snakeCase, TABLES, type TableName } from './schema.js';
import type { Db } from './driver.js';
import { columnsIn, raiseSequences, readOneSnapshot, restoreInTransaction } from './postgres/snapshots.js';
import { restoreFailure } from './restore.js';
import { sql } from 'kysely';
import { isHolderGone } from './process.js';

/**
 * Copies a database to a staging target for trials without writing a byte of the source: SQLite
 * through VACUUM INTO on a read-only connection; PostgreSQL as a restore into a fresh staging
 * schema whose "snapshot" is the source schema, only read (it is never opened as a Store, since
 * opening migrates), with the kept tables a copy carries (STAGING_KEPT_TABLES) in the same read. The staging target's `trials` table is the trial ledger: its rows survive
 * each fresh copy, and the copy's run ids start above theirs.
 */
export interface StagingCopy {
  /** The trials the staging target held before the copy, written back into it. */
  keptTrials: number;
  /** The sessions this copy found still open (their process was killed or crashed) and settled `unfinished`. */
  settledSessions: SettledSession[];
  /** The source's runs that were `running` in the copied snapshot, ended `interrupted` in the copy (endCopiedRuns). */
  copiedRunning: number[];
}

/** A trial session whose process died, settled by the next one: when it began, what it was, and how many trials it finished (in the ledger). */
export interface SettledSession {
  startedAt: string;
  operation: string;
  operator: string | null;
  trialsFinished: number;
}

type Open = (location: string) => Promise<Store>;

/**
 * Refuses a staging target that is the source, of another kind, in another PostgreSQL database or
 * in a folder that does not exist — before anything is copied (the console checks this up front).
 */
export function checkStagingTarget(source: string, staging: string): void {
  if (isPostgresUrl(source) !== isPostgresUrl(staging)) {
    throw new GatehouseError('UNSUPPORTED', 'the staging target must be the same kind of database as the source (a file for SQLite, a schema for PostgreSQL)');
  }
  if (isPostgresUrl(source)) {
    const [from, to] = [parsePostgresTarget(source), parsePostgresTarget(staging)];
    if (from.connectionString !== to.connectionString) {
      throw new GatehouseError('UNSUPPORTED', 'a PostgreSQL staging schema must be in the same database as the source', { hint: 'use the same URL with ?schema=STAGING_NAME' });
    }
    if (isSameDatabase(source, staging)) throw new GatehouseError('USAGE', `staging schema ${to.schema} is the source schema; trials never write the source`);
    return;
  }
  const [from, to] = [path.resolve(source), path.resolve(staging)];
  if (!fs.existsSync(from)) throw new GatehouseError('NOT_FOUND', `source database ${source} does not exist`);
  if (isSameDatabase(source, staging)) throw new GatehouseError('USAGE', `staging ${staging} is the source database; trials never write the source`);
  if (fs.existsSync(to) && fs.statSync(to).isDirectory()) throw new GatehouseError('USAGE', `staging ${staging} is a folder; name a database file, in it or elsewhere`);
  if (!fs.existsSync(path.dirname(to))) throw new GatehouseError('USAGE', `staging folder ${path.dirname(to)} does not exist`);
}

/** Whether `staging` names the source database itself: the same schema of one PostgreSQL database, or the same file by any path or link to it. */
export function isSameDatabase(source: string, staging: string): boolean {
  if (isPostgresUrl(source) !== isPostgresUrl(staging)) return false;
  if (isPostgresUrl(source)) {
    const [from, to] = [parsePostgresTarget(source), parsePostgresTarget(staging)];
    return from.connectionString === to.connectionString && from.schema === to.schema;
  }
  const [from, to] = [path.resolve(source), path.resolve(staging)];
  return from === to || (fs.existsSync(from) && fs.existsSync(to) && fs.realpathSync(from) === fs.realpathSync(to));
}

/**
 * The copy is built beside the staging target (`<staging>.copying`, a `gh_copying_…` schema), given
 * the ledger and its staging marker there, and only then put in the target's place in one step
 * (a rename; on PostgreSQL one transaction): a trial killed part-way leaves the target and its
 * ledger as they were, and the next trial builds its copy afresh over the leftover. `refuse` reads
 * the finished copy before that step: when it throws, the copy is dropped and the target left as it was.
 */
export async function copyToStaging(source: string, staging: string, open: Open, refuse?: (copy: Store) => Promise<void>): Promise<StagingCopy> {
  checkStagingTarget(source, staging);
  const copying = stagingCopyTarget(staging);
  // Before the ledger is read: reading opens the target as a Store, which would migrate into someone else's schema.
  if (isPostgresUrl(staging)) {
    await checkStagingCopyAllowed(staging);
    for (const target of [staging, copying]) await refuseForeignSchema(parsePostgresTarget(target));
  }
  const kept = (await stagingExists(staging)) ? await keptTrials(staging, open) : { trials: [], sessions: [], settled: [] };
  if (isPostgresUrl(source)) await copyPostgres(parsePostgresTarget(source), copying, open);
  else {
    copySqlite(path.resolve(source), copying);
    emptyLeftOutTables(copying);
  }
  const store = await open(copying);
  let copiedRunning: number[] = [];
  try {
    const copiedAt = new Date().toISOString();
    if (!isPostgresUrl(source)) await store.trials.markStagingCopy(path.resolve(source), copiedAt);
    await store.trials.endCopiedAttempts(copiedAt);
    copiedRunning = await store.trials.endCopiedRuns(copiedAt);
    await store.trials.keep(kept.trials);
    await store.trials.keepSessionAttempts(kept.sessions);
    await refuse?.(store);
  } catch (error) {
    await store.close();
    await discardCopy(copying);
    throw error;
  }
  await store.close();
  await putInPlace(copying, staging);
  return { keptTrials: kept.trials.length, settledSessions: kept.settled, copiedRunning };
}

/** Where a staging copy is built: beside a file, or a schema of its own named after the target's (whose name may be too long to extend). */
export function stagingCopyTarget(staging: string): string {
  if (!isPostgresUrl(staging)) return `${path.resolve(staging)}.copying`;
  const url = new URL(staging);
  url.searchParams.set('schema', stagingCopySchema(parsePostgresTarget(staging).schema));
  return url.toString();
}

/** A copy refused before it took the target's place: the target is left as it was, and no half-made copy beside it. */
async function discardCopy(copying: string): Promise<void> {
  if (!isPostgresUrl(copying)) {
    for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(`${path.resolve(copying)}${suffix}`, { force: true });
    return;
  }
  const target = parsePostgresTarget(copying);
  await withPostgresClient(target, (client) => client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(target.schema)} CASCADE`));
}

async function putInPlace(copying: string, staging: string): Promise<void> {
  if (!isPostgresUrl(staging)) {
    // The replaced database's journal must not be read as the copy's; it was closed cleanly, so it holds nothing.
    for (const suffix of ['-wal', '-shm', '-journal']) fs.rmSync(`${path.resolve(staging)}${suffix}`, { force: true });
    fs.renameSync(copying, path.resolve(staging));
    return;
  }
  const [from, to] = [parsePostgresTarget(copying), parsePostgresTarget(staging)];
  await withPostgresClient(to, async (client) => {
    await client.query('BEGIN');
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(to.schema)} CASCADE`);
      await client.query(`ALTER SCHEMA ${quoteIdentifier(from.schema)} RENAME TO ${quoteIdentifier(to.schema)}`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  });
}

/** Held by one trial session on its staging target, from the copy to its last ledger row. */
export interface StagingLock {
  release(): Promise<void>;
}

/** "TRIA": first key of a trial session's advisory lock; the second is the staging schema's hash. */
const TRIAL_LOCK_CLASS = 0x54524941;
const TRIAL_LOCK_KEY = `${TRIAL_LOCK_CLASS}, hashtext($1)`;

/**
 * How a trial's staging lock judges and keeps up a heartbeat: the writer lock's rule (isHolderGone),
 * with the same timings, which the engine owns and the caller passes. `clock` is injectable, so a
 * test can judge a heartbeat stale without waiting for one to go stale.
 */
export interface StagingLockTiming {
  clock: () => Date;
  staleAfterMs: number;
  heartbeatEveryMs: number;
}

/**
 * One trial session at a time per staging target. A second one (another CLI, the console) would
 * copy a fresh staging database over the first's while it runs: on SQLite the first goes on
 * writing its trials into the replaced file, and its ledger rows vanish without a word. SQLite: a
 * lock file beside the target naming its holder and its heartbeat, taken over when that process
 * is dead or its heartbeat stale (the writer lock's rule); PostgreSQL: a session advisory lock, gone with its session. A refusal is LOCK_HELD, naming the holder: the
 * staging target's writer lock for the whole session, so `gatehouse trial` exits 5 as an update
 * meeting another writer does (DESIGN §3), not 2 as if its own input were wrong.
 */
export async function lockStaging(staging: string, operator: string, timing: StagingLockTiming): Promise<StagingLock> {
  return isPostgresUrl(staging) ? lockPostgresStaging(parsePostgresTarget(staging), operator) : lockSqliteStaging(path.resolve(staging), operator, timing);
}

interface LockFileHolder {
  pid: number;
  host: string;
  since: string;
  /** Who started the trial; absent in a lock file written before trials named theirs. */
  operator?: string;
  /** When the holder last said it was alive; a lock file written before trials kept one up has only `since`. */
  heartbeatAt: string;
}

/** "another trial started by Ada": who to ask, when the holder said. */
function otherTrial(operator: string | null | undefined): string {
  return `another trial${operator ? ` started by ${operator}` : ''}`;
}

function lockSqliteStaging(staging: string, operator: string, timing: StagingLockTiming): StagingLock {
  const file = `${staging}.trial-lock`;
  const since = timing.clock().toISOString();
  const holder: LockFileHolder = { pid: process.pid, host: os.hostname(), since, operator, heartbeatAt: since };
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(holder), { flag: 'wx' });
      return keptUpLockFile(file, holder, timing);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new GatehouseError('DB_NOT_WRITABLE', `cannot lock staging ${staging} for this trial (${file}): ${(error as Error).message}`);
    }
    const other = readLockFile(file);
    if (other && !isHolderGone(other, { now: timing.clock(), staleAfterMs: timing.staleAfterMs })) {
      throw new GatehouseError('LOCK_HELD', `staging ${staging} is in use by ${otherTrial(other.operator)} (pid ${other.pid} on ${other.host}, since ${other.since}); nothing was changed`, { hint: STAGING_IN_USE_HINT });
    }
    // Back after this trial removed a dead holder's: another trial took the lock over at the same moment (its file not yet written), and holds it.
    if (attempt > 0) throw new GatehouseError('LOCK_HELD', `staging ${staging} was taken by ${otherTrial(other?.operator)} starting at the same moment (${file}); nothing was changed`, { hint: STAGING_IN_USE_HINT });
    removeDeadLock(staging, file, other);
  }
}

/**
 * Keeps the held lock file's heartbeat up until released. The new heartbeat is written beside it and
 * renamed over it, so a trial looking meanwhile never reads a half-written file (one it would take
 * for no holder). A file that no longer names this session — another trial took it over after this
 * process stood still past the stale window — is left as it is, and not removed at release.
 */
function keptUpLockFile(file: string, holder: LockFileHolder, timing: StagingLockTiming): StagingLock {
  const ours = () => {
    const current = readLockFile(file);
    return current !== null && current.pid === holder.pid && current.host === holder.host && current.since === holder.since;
  };
  const timer = setInterval(() => {
    try {
      if (!ours()) return;
      const beat = `${file}.${process.pid}.heartbeat`;
      fs.writeFileSync(beat, JSON.stringify({ ...holder, heartbeatAt: timing.clock().toISOString() }));
      fs.renameSync(beat, file);
    } catch {
      // Best effort, as the writer lock's heartbeat: tried again at the next tick.
    }
  }, timing.heartbeatEveryMs);
  timer.unref?.();
  return {
    release: async () => {
      clearInterval(timer);
      if (ours()) fs.rmSync(file, { force: true });
    },
  };
}

const STAGING_IN_USE_HINT = { cli: 'wait for it to finish, or give this trial its own --staging target', console: 'wait for it to finish, or give this trial its own Staging target' };

/**
 * Takes over the lock file of a trial no longer running. One that cannot be removed (another user's
 * in a shared folder, a read-only one, a folder in its place) is no trial holding the lock (DESIGN §3's
 * 5): it is this computer's files in the way, DB_NOT_WRITABLE as when the lock cannot be written.
 */
function removeDeadLock(staging: string, file: string, dead: LockFileHolder | null): void {
  try {
    fs.rmSync(file, { force: true });
  } catch (error) {
    const left = dead ? `left by a trial${dead.operator ? ` started by ${dead.operator}` : ''} that is no longer running (pid ${dead.pid} on ${dead.host}, since ${dead.since})` : 'which names no running trial';
    const hint = (target: string) => `check that no trial is running on it, then remove ${file} yourself, or give this trial its own ${target}`;
    throw new GatehouseError('DB_NOT_WRITABLE', `staging ${staging} is locked by ${file}, ${left}, and this trial cannot remove it (${(error as Error).message}); nothing was changed`, {
      hint: { cli: hint('--staging target'), console: hint('Staging target') },
    });
  }
}

function readLockFile(file: string): LockFileHolder | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockFileHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return null;
    const since = String(parsed.since);
    return { pid: parsed.pid, host: parsed.host, since, ...(typeof parsed.operator === 'string' ? { operator: parsed.operator } : {}), heartbeatAt: typeof parsed.heartbeatAt === 'string' ? parsed.heartbeatAt : since };
  } catch {
    return null;
  }
}

/** What the session holding a trial's advisory lock calls itself: how a refused trial learns who started it. */
const TRIAL_SESSION_PREFIX = 'gatehouse trial by ';

async function lockPostgresStaging(target: PostgresTarget, operator: string): Promise<StagingLock> {
  const { connectSession, unreachable } = await import('./postgres/connection.js');
  const session = await connectSession(target);
  let holder: { operator: string | null; since: string } | null = null;
  try {
    // Booleans arrive as 1/0 (connection.ts reads them as SQLite gives them).
    const { rows } = await session.query<{ got: number }>(`SELECT pg_try_advisory_lock(${TRIAL_LOCK_KEY}) AS got`, [target.schema]);
    if (rows[0]?.got) await session.query(`SELECT set_config('application_name', $1, false)`, [`${TRIAL_SESSION_PREFIX}${operator}`]);
    else holder = await trialLockHolder(session, target.schema);
  } catch (error) {
    await session.end().catch(() => {});
    throw unreachable(target, error);
  }
  if (holder) {
    await session.end().catch(() => {});
    throw new GatehouseError('LOCK_HELD', `staging schema ${target.schema} is in use by ${otherTrial(holder.operator)} (since ${holder.since}); nothing was changed`, {
      hint: 'wait for it to finish, or give this trial its own staging schema',
    });
  }
  return { release: () => session.end().catch(() => {}) };
}

/**
 * The session holding the trial lock of the schema `schema` names (a parameter, or current_schema()).
 * In this database: pg_locks lists every database's, and a trial on a schema of the same name in
 * another (each team's `public_staging`) does not hold this one.
 */
const trialHolderQuery = (schema: string) => `SELECT a.application_name AS name, a.backend_start AS since FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ${TRIAL_LOCK_CLASS}::oid AND l.objid = hashtext(${schema})::oid AND l.objsubid = 2
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

type TrialHolderRow = { name: string | null; since: string | Date | null };

/** Who started the trial (from the name its session gave itself; PostgreSQL cuts a name at 63 bytes) and since when. */
function trialHolderOf(row: TrialHolderRow | undefined): { operator: string | null; since: string } {
  const name = row?.name ?? '';
  const since = row?.since;
  return {
    operator: name.startsWith(TRIAL_SESSION_PREFIX) ? name.slice(TRIAL_SESSION_PREFIX.length) : null,
    since: since instanceof Date ? since.toISOString() : (since ?? 'an unknown time'),
  };
}

async function trialLockHolder(session: Queryable, schema: string): Promise<{ operator: string | null; since: string }> {
  const { rows } = await session.query<TrialHolderRow>(trialHolderQuery('$1'), [schema]);
  return trialHolderOf(rows[0]);
}

/** A trial session holding a staging target: who started it (when it said), where, since when. */
export interface RunningTrial {
  operator: string | null;
  since: string;
  /** "pid 123 on host": SQLite's lock file names its process; PostgreSQL's holder is a session. */
  where: string | null;
}

/**
 * The trial session running on the database `store` has open, when that database is a staging
 * target one holds (lockStaging). Between its updates a trial holds no writer lock, yet a restore
 * or rollback then would be overwritten by its next copy, or would change the staging data its
 * next trial is judged against: writers of support staff ask this first. A lock file whose holder is
 * gone by the staging lock's own rule (isHolderGone: dead here, or a heartbeat older than
 * `staleAfterMs` from another host) holds nothing: the next trial would take it over anyway.
 */
export async function runningTrialOn(store: Pick<Store, 'backend' | 'location' | 'queries'>, liveness: { now: Date; staleAfterMs: number }): Promise<RunningTrial | null> {
  if (store.backend === 'sqlite') {
    const holder = readLockFile(`${path.resolve(store.location)}.trial-lock`);
    return holder && !isHolderGone(holder, liveness) ? { operator: holder.operator ?? null, since: holder.since, where: `pid ${holder.pid} on ${holder.host}` } : null;
  }
  const { rows } = await sql<TrialHolderRow>`${sql.raw(trialHolderQuery('current_schema()'))}`.execute(store.queries.db);
  return rows[0] ? { ...trialHolderOf(rows[0]), where: null } : null;
}

/** The staging target's ledger and its trial sessions' attempts, which a fresh copy keeps. */
async function keptTrials(staging: string, open: Open): Promise<{ trials: NewTrialRecord[]; sessions: KeptSessionAttempt[]; settled: SettledSession[] }> {
  let store: Store;
  try {
    store = await open(staging);
  } catch (error) {
    throw new GatehouseError('CONFLICT', `staging ${staging} exists and cannot be opened as a Gatehouse database (${(error as Error).message}); choose another target`);
  }
  try {
    const trials = await store.trials.list();
    // Trials never write a source, so a database with runs and no trial ledger is someone's real one
    // (--db and --staging swapped, say): a fresh copy would delete its hearings, runs and audit.
    // A staging copy whose first trial was cut short has runs and no ledger yet: its marker tells it apart.
    if (trials.length === 0 && (await store.listRuns({ limit: 1 })).length > 0 && !(await store.trials.isStagingCopy())) {
      throw new GatehouseError('CONFLICT', `staging ${redactConnectionString(staging)} holds a Gatehouse database with runs and no trial ledger: it is not a staging copy, and a fresh copy would replace it; nothing was changed`, {
        hint: {
          cli: 'check --db and --staging are not swapped; a staging copy made before copies were marked as such must be removed first',
          console: 'give a Staging target that is not a real database; a staging copy made before copies were marked as such must be removed first',
        },
      });
    }
    const kept = trials.map(({ id: _id, ...trial }) => trial);
    const open = await store.trials.openSessionAttempts();
    const sessions = await store.trials.sessionAttempts(new Date());
    // Sessions hold the staging lock for their whole life, so the trials recorded since one still open began are its own.
    const settled = open.map((s) => ({ startedAt: s.startedAt, operation: s.operation, operator: s.operator, trialsFinished: kept.filter((t) => t.at >= s.startedAt).length }));
    return { trials: kept, sessions, settled };
  } finally {
    await store.close();
  }
}

/** VACUUM INTO refuses an existing file: a killed copy's leftover goes first. */
function copySqlite(from: string, to: string): void {
  let db: Database.Database | null = null;
  try {
    for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(`${to}${suffix}`, { force: true });
    db = new Database(from, { readonly: true, fileMustExist: true });
    db.prepare('VACUUM INTO ?').run(to);
  } catch (error) {
    throw new GatehouseError('INPUT_INVALID', `cannot copy ${from} to ${to}: ${(error as Error).message}`);
  } finally {
    db?.close();
  }
}

/**
 * Whether a staging target already holds a Gatehouse database, found without opening it as a
 * Store: opening creates and migrates, and a look at the trial ledger must leave the database as
 * it was (on PostgreSQL it would leave a new `<schema>_staging` schema behind at every look).
 */
export async function stagingExists(staging: string): Promise<boolean> {
  if (!isPostgresUrl(staging)) return fs.existsSync(staging);
  const target = parsePostgresTarget(staging);
  return withPostgresClient(target, (client) => holdsGatehouseDatabase(client, target.schema));
}

async function holdsGatehouseDatabase(client: Queryable, schema: string): Promise<boolean> {
  const { rows } = await client.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [schema, 'runs']);
  return rows.length > 0;
}

/** One short-lived connection to the target's database; a failure to reach it reads as DB_UNREACHABLE. */
async function withPostgresClient<T>(target: PostgresTarget, work: (client: Queryable) => Promise<T>): Promise<T> {
  // The driver loads only when a PostgreSQL staging target is used.
  const { connectSession, unreachable } = await import('./postgres/connection.js');
  const client = await connectSession(target);
  try {
    return await work(client);
  } catch (error) {
    throw error instanceof GatehouseError ? error : unreachable(target, error);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A PostgreSQL copy is built in a new schema (`copying`), then the staging schema is dropped and the
 * copy renamed in its place: the role needs CREATE on the database (CREATE SCHEMA, ALTER SCHEMA …
 * RENAME) and to own both schemas when they are there (DROP SCHEMA). A team's read/write role has
 * neither; refused before anything is read or made, with the grant. A schema made for it beforehand
 * would not do instead of the grant: every trial drops the copy's schema and makes it anew, and
 * renames it — both need CREATE on the database, whoever made the schema. A copy's schema left by a
 * killed trial of another role (the store's owner) is one this role may not drop: named, not met
 * at DROP SCHEMA as "cannot reach PostgreSQL … must be owner".
 */
async function refuseCopyDenied(staging: PostgresTarget, copying: PostgresTarget): Promise<void> {
  const denied = await withPostgresClient(staging, async (client) => {
    const owner = (schema: number) => `(SELECT CASE WHEN pg_has_role(n.nspowner, 'MEMBER') THEN NULL ELSE pg_get_userbyid(n.nspowner) END FROM pg_namespace n WHERE n.nspname = $${schema})`;
    const { rows } = await client.query<{ creates: number; role: string; database: string; owner: string | null; copyOwner: string | null }>(
      `SELECT has_database_privilege(current_database(), 'CREATE') AS creates, current_user AS role, current_database() AS database, ${owner(1)} AS owner, ${owner(2)} AS "copyOwner"`,
      [staging.schema, copying.schema],
    );
    return rows[0]!;
  });
  const [role, database] = [quoteIdentifier(denied.role), quoteIdentifier(denied.database)];
  if (!denied.creates) {
    throw new GatehouseError('DB_NOT_WRITABLE', `role ${denied.role} may not create schemas in database ${denied.database}, and each trial builds its staging copy in a new schema (${copying.schema}) that then takes the place of staging schema ${staging.schema}; nothing was changed`, {
      hint: `GRANT CREATE ON DATABASE ${database} TO ${role} (as the database's owner) lets it run trials; a schema made for it beforehand does not, as each trial drops and makes both anew; or run trials as a role that has that privilege`,
    });
  }
  if (denied.owner !== null) {
    throw new GatehouseError('DB_NOT_WRITABLE', `staging schema ${staging.schema} belongs to role ${denied.owner}, and role ${denied.role} may not drop it, as a fresh staging copy does; nothing was changed`, {
      hint: `ALTER SCHEMA ${quoteIdentifier(staging.schema)} OWNER TO ${role} (as a superuser) lets ${denied.role} replace it; or give this trial a staging schema that does not exist yet`,
    });
  }
  if (denied.copyOwner !== null) {
    throw new GatehouseError('DB_NOT_WRITABLE', `schema ${copying.schema}, where a trial builds its staging copy of staging schema ${staging.schema}, was left by a trial of role ${denied.copyOwner} (killed while copying), and role ${denied.role} may not drop it, as a fresh staging copy does; nothing was changed`, {
      hint: `ALTER SCHEMA ${quoteIdentifier(copying.schema)} OWNER TO ${role} (as a superuser), or DROP SCHEMA ${quoteIdentifier(copying.schema)} CASCADE as its owner once no trial runs on ${staging.schema}`,
    });
  }
}

/**
 * Whether the role may build a staging copy on `staging` (refuseCopyDenied; a SQLite file has no
 * roles). The copy checks it first; the console's trials.run asks it too before starting a job, so
 * a role that may never run a trial is refused there, as `gatehouse trial` is, not handed a job
 * that fails as it begins.
 */
export async function checkStagingCopyAllowed(staging: string): Promise<void> {
  if (!isPostgresUrl(staging)) return;
  await refuseCopyDenied(parsePostgresTarget(staging), parsePostgresTarget(stagingCopyTarget(staging)));
}

/** What a Gatehouse schema holds; a fresh copy drops the staging schema with everything in it. */
const GATEHOUSE_RELATIONS = new Set([...Object.keys(TABLES).map(snakeCase), 'schema_migrations']);

/**
 * Refuses a staging schema that holds tables, views or functions Gatehouse did not make, as the
 * SQLite side refuses a file of another application: DROP SCHEMA … CASCADE would take them along.
 */
async function refuseForeignSchema(target: PostgresTarget): Promise<void> {
  const foreign = await withPostgresClient(target, async (client) => {
    const { rows } = await client.query(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
       UNION ALL SELECT p.proname || '()' FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 ORDER BY 1`,
      [target.schema],
    );
    return (rows as { name: string }[]).map((row) => row.name).filter((name) => !GATEHOUSE_RELATIONS.has(name));
  });
  if (foreign.length === 0) return;
  throw new GatehouseError('CONFLICT', `staging schema ${target.schema} holds what Gatehouse did not make (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''}); a fresh staging copy would drop it, so nothing was changed`, {
    hint: { cli: 'choose another staging schema: --staging postgres://…?schema=NAME', console: 'give another schema name as the Staging target' },
  });
}

type KeptTable = { [T in TableName]: (typeof TABLES)[T]['role'] extends 'kept' ? T : never }[TableName];

/**
 * What a staging copy carries besides the tables a restore replaces (which it always carries):
 * every table a restore keeps is named here, copied or left out with the reason, and both backends
 * honour the one list — SQLite's whole-file copy empties the tables left out, PostgreSQL's copy
 * brings the ones copied. A trial runs and is judged as the source would run and judge: its flag
 * values (a kill too), its sensitivity versions, its tasks and its audit (the undo journal points
 * at rollbacks, a rollback at the restore that removed its run, review marks at their reviews).
 * The type names every kept table, so a new one does not compile until it is placed here.
 */
export const STAGING_KEPT_TABLES: Record<KeptTable, 'copied' | { leftOut: string }> = {
  rollbackEvents: 'copied',
  flagValues: 'copied',
  flagEvents: 'copied',
  scheduledTasks: 'copied',
  taskEvents: 'copied',
  notificationThrottle: 'copied',
  runReviews: 'copied',
  // A source's own ledger (one made from an earlier staging copy) comes along; the staging target's is added to it (keptTrials).
  trials: 'copied',
  writerLock: { leftOut: "names the source's writer, which holds nothing in the copy: a live one would keep the trial's runs waiting" },
  // The run-id high-water mark: a trial run never takes the id of a source run a restore removed.
  sequences: 'copied',
  restoreEvents: 'copied',
  writerAttempts: 'copied',
  sensitivityVersions: 'copied',
  snapshots: { leftOut: "lists the source's snapshot schemas: pruning or removing one in staging would drop the source's backups" },
  rollouts: 'copied',
  rolloutLedger: 'copied',
};

const keptTables = (decision: 'copied' | 'leftOut') =>
  (Object.keys(STAGING_KEPT_TABLES) as KeptTable[]).filter((table) => (STAGING_KEPT_TABLES[table] === 'copied') === (decision === 'copied'));

/**
 * The kept tables a staging copy carries, from the source schema into the fresh staging schema (the
 * transaction's search path), in the caller's transaction: the same snapshot of the source as the
 * restore that follows. A fresh schema's own rows (the high-water mark's) give way to the source's;
 * each id sequence is moved past the copied ids, and a source older than a table brings it empty.
 */
async function copyKeptTables(trx: Db, fromSchema: string): Promise<void> {
  const copied = keptTables('copied');
  for (const table of copied) {
    const columns = await columnsIn(trx, fromSchema, table);
    if (columns.length === 0) continue;
    const list = sql.raw(columns.map(quoteIdentifier).join(', '));
    await sql`DELETE FROM ${sql.id(snakeCase(table))}`.execute(trx);
    await sql`INSERT INTO ${sql.id(snakeCase(table))} (${list}) SELECT ${list} FROM ${sql.raw(`${quoteIdentifier(fromSchema)}.${quoteIdentifier(snakeCase(table))}`)}`.execute(trx);
  }
  await raiseSequences(trx, copied);
}

/** VACUUM INTO copies every table: the ones a staging copy leaves out are emptied in the copy (never in the source). */
function emptyLeftOutTables(copy: string): void {
  const db = new Database(copy, { fileMustExist: true });
  try {
    // A source older than a table lacks it: opening the copy will create it empty.
    const present = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((row) => row.name));
    const leftOut = keptTables('leftOut').map(snakeCase).filter((table) => present.has(table));
    db.transaction(() => leftOut.forEach((table) => db.prepare(`DELETE FROM ${quoteIdentifier(table)}`).run()))();
  } finally {
    db.close();
  }
}

async function copyPostgres(from: PostgresTarget, staging: string, open: Open): Promise<void> {
  const to = parsePostgresTarget(staging);
  await withPostgresClient(to, async (client) => {
    if (!(await holdsGatehouseDatabase(client, from.schema))) throw new GatehouseError('NOT_FOUND', `source schema ${from.schema} holds no Gatehouse database`);
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(to.schema)} CASCADE`);
  });
  const store = await open(staging);
  const at = new Date().toISOString();
  const source: Snapshot = { id: `schema ${from.schema}`, file: from.schema, createdAt: at, kind: 'manual', runId: null, sizeBytes: 0, sha256: '' };
  const request = { operator: STAGING_COPY_OPERATOR, reason: stagingCopyReason(`schema ${from.schema}`), at, safetySnapshotId: null };
  try {
    await withMigrationsHeldOff(from, () =>
      store.queries.transaction(async (trx) => {
        await readOneSnapshot(trx);
        await copyKeptTables(trx, from.schema);
        await restoreInTransaction(trx, source, request);
      }).catch((error: unknown) => Promise.reject(restoreFailure(source, error))),
    );
  } finally {
    await store.close();
  }
}

/**
 * The copy reads the source in one REPEATABLE READ snapshot: every batch, run row and audit row as
 * committed at one moment, whatever an update is writing (a run still `running` in it is ended in
 * the copy: endCopiedRuns). Committed state is what the source itself would resume from after a
 * crash, and a trial copying it never makes production's update wait or fail — which waiting for
 * or refusing on the source's writer lock would, for a mere reader. A migration is another matter: a table it rewrites
 * (ALTER TABLE … with a volatile default, a type change) reads as empty to a snapshot taken before
 * it committed — PostgreSQL's MVCC-unsafe DDL — so a copy under way as the source was opened and
 * migrated came out with no hearings, or failed on a foreign key, or on lock_timeout, as a "restore".
 * A session of its own holds ACCESS SHARE on every source table from before the copy's snapshot to
 * its end: it waits for a migration (or a restore's TRUNCATE) under way, and one that starts
 * meanwhile waits for the copy; updates, reads and opens — which take no lock it conflicts with — go
 * on as before (the schema's migration lock, which every open takes, would have stopped them all for
 * the copy's length). A migration that outlasts lock_timeout is refused, LOCK_HELD, before anything is read.
 */
async function withMigrationsHeldOff<T>(from: PostgresTarget, work: () => Promise<T>): Promise<T> {
  const { connectSession, isLockTimeout, unreachable } = await import('./postgres/connection.js');
  const session = await connectSession(from);
  try {
    try {
      const { rows } = await session.query<{ name: string }>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_type = $2', [from.schema, 'BASE TABLE']);
      await session.query('BEGIN');
      if (rows.length > 0) await session.query(`LOCK TABLE ${rows.map((row) => `${quoteIdentifier(from.schema)}.${quoteIdentifier(row.name)}`).join(', ')} IN ACCESS SHARE MODE`);
    } catch (error) {
      if (!isLockTimeout(error)) throw unreachable(from, error);
      throw new GatehouseError('LOCK_HELD', `source schema ${from.schema} is being migrated or restored by another session (for longer than lock_timeout): a copy read now could find its tables half-changed, so nothing was copied`, {
        hint: 'run the trial again once that session is done; one that stays (a migration of a large table) is in pg_stat_activity, holding a lock on one of its tables',
        cause: error,
      });
    }
    return await work();
  } finally {
    // Ending the session ends its transaction and releases its locks.
    await session.end().catch(() => {});
  }
}
