import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as z from 'zod';
import { snapshotSchema } from '../../../shared/api-operations.js';
import { GatehouseError } from '../../../shared/errors.js';
import { escapeRegExp } from '../../../shared/redact.js';
import { describeZodError } from '../../../shared/zod-problems.js';
import type { StoreDriver } from '../driver.js';
import { checksumProblems, mendingDamage, replaceFromSnapshot, restoreFailure } from '../restore.js';
import { columnsOf, snakeCase, type TableName } from '../schema.js';
import { snapshotInContractOrder, type RestoreMade, type RestoreRequest, type Snapshot, type SnapshotSupport } from '../snapshot-types.js';
import { SCHEMA_VERSION } from '../migrations/index.js';
import { migrateSqlite, readOnlyLook } from './open.js';
import { checkBeforeWrite } from './write-gate.js';
import { isProcessAlive } from '../process.js';

/** manifest.json: written only by this class, but a file a person can edit or a disk can damage. */
const manifestSchema = z.object({ snapshots: z.array(snapshotSchema) });

/** The name the snapshot being restored is attached under. */
const ATTACHED = 'gatehouse_snapshot';

/**
 * SQLite snapshots: files in `<db>.backups/`, copied through the online backup API (a consistent
 * state even while readers continue, unlike a file copy, which can catch a half-applied WAL), with
 * a manifest.json beside them. The list is a file, not a table, so it survives the loss of the
 * database it describes.
 */
export class SqliteSnapshots implements SnapshotSupport {
  readonly place: string;
  private readonly manifestFile: string;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    private readonly driver: StoreDriver,
  ) {
    this.place = `${file}.backups`;
    this.manifestFile = path.join(this.place, 'manifest.json');
  }

  async deniedToRole(): Promise<null> {
    return null;
  }

  async removalDenied(): Promise<null> {
    return null;
  }

  async readDenied(): Promise<null> {
    return null;
  }

  async list(): Promise<Snapshot[]> {
    return [...this.readManifest()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async take(meta: Pick<Snapshot, 'id' | 'kind' | 'createdAt' | 'runId'>): Promise<Snapshot> {
    // Read before copying: a manifest that cannot be read refused the snapshot only after its copy was made, left in the folder unlisted.
    const listed = this.readManifest();
    const file = path.join(this.place, `${meta.id}.sqlite`);
    const partial = `${file}.${process.pid}.partial`;
    let written: Pick<Snapshot, 'sizeBytes' | 'sha256'>;
    try {
      // Inside the try: a folder that cannot be made (the database's folder immutable, a read-only mount) is the snapshot's clear refusal, not an unexpected error.
      fs.mkdirSync(this.place, { recursive: true });
      // Named by process, so a snapshot killed half-way is recognised as a leftover by the next one.
      removeLeftoversOfGoneProcesses(this.place, /^.+\.sqlite\.(\d+)\.partial(?:-wal|-shm|-journal)?$/);
      await checkedBackup(this.db, partial);
      // A snapshot is one self-contained file: rollback-journal mode, so opening it read-only later
      // never creates -wal/-shm files or changes the bytes the checksum covers.
      const copy = new Database(partial);
      copy.pragma('journal_mode = DELETE');
      copy.close();
      const problems = integrityProblems(partial);
      if (problems.length > 0) throw new GatehouseError('INVARIANT_BROKEN', `snapshot failed its integrity check: ${problems.slice(0, 3).join('; ')}`);
      written = { sizeBytes: fs.statSync(partial).size, sha256: sha256OfFile(partial) };
    } catch (error) {
      removeCopyQuietly(partial);
      if (error instanceof GatehouseError) throw error;
      throw new GatehouseError('DB_NOT_WRITABLE', `cannot write snapshot into ${this.place}: ${(error as Error).message}`, { cause: error });
    }
    // Listed first, then given its name: a kill -9 between the two leaves a listed snapshot MISSING
    // (said by backups list, deletable) and a leftover of a gone process, which the next snapshot
    // removes. Named first, the kill left a copy the size of the database that no manifest lists,
    // that nothing ever removes — the checksum of the whole file was read in between.
    const snapshot = snapshotInContractOrder({ ...meta, file: path.basename(file), ...written });
    try {
      this.writeManifest([...listed, snapshot]);
    } catch (error) {
      // Retention, restore and `backups list` know only what the manifest lists: a copy it does not (the size of the database, on a disk that may be full) would be counted nowhere, for good.
      removeCopyQuietly(partial);
      throw new GatehouseError('DB_NOT_WRITABLE', `cannot list snapshot ${meta.id} in ${this.manifestFile}: ${(error as Error).message}; its copy was removed, nothing was kept`, { cause: error });
    }
    try {
      fs.renameSync(partial, file);
    } catch (error) {
      removeCopyQuietly(partial);
      try {
        this.writeManifest(listed);
      } catch {
        // Left listed and MISSING, as a kill at this point leaves it: backups list says so, backups delete removes it.
      }
      throw new GatehouseError('DB_NOT_WRITABLE', `cannot write snapshot into ${this.place}: ${(error as Error).message}`, { cause: error });
    }
    return snapshot;
  }

  async attachRun(id: string, runId: number): Promise<void> {
    this.writeManifest(this.readManifest().map((s) => (s.id === id ? { ...s, runId } : s)));
  }

  /** The checksum recorded at creation and PRAGMA integrity_check; sizes alone prove nothing. */
  async check(snapshot: Snapshot): Promise<string[]> {
    const file = path.join(this.place, snapshot.file);
    if (!fs.existsSync(file)) return [`file ${snapshot.file} is missing`];
    return [...checksumProblems(snapshot, sha256OfFile(file)), ...integrityProblems(file)];
  }

  async unavailable(snapshot: Snapshot): Promise<string | null> {
    const file = path.join(this.place, snapshot.file);
    try {
      fs.accessSync(file, fs.constants.R_OK);
      return fs.statSync(file).isFile() ? null : `${file} is not a file`;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === 'ENOENT' ? `its file ${file} is missing` : `its file ${file} cannot be read (${code ?? (error as Error).message})`;
    }
  }

  /** A snapshot file a newer Gatehouse wrote (copied in from another install) has a schema this code cannot bring it to. */
  async refuseUnrestorable(snapshot: Snapshot): Promise<void> {
    const file = path.join(this.place, snapshot.file);
    const version = readOnlyLook(file, (copy) => Number(copy.prepare('SELECT coalesce(max(version), 0) FROM schema_migrations').pluck().get()));
    if (version > SCHEMA_VERSION) {
      throw new GatehouseError('SCHEMA_TOO_NEW', `snapshot ${snapshot.id} has schema version ${version}; this Gatehouse knows up to ${SCHEMA_VERSION}; nothing was restored`, {
        hint: 'upgrade Gatehouse before restoring this snapshot',
      });
    }
  }

  /**
   * The copy and its listing go together: the copy is moved aside first, and put back when the
   * manifest cannot be written — removing it first left a listed snapshot with no copy (MISSING) on
   * a full disk. A crash in between leaves it listed and MISSING, deletable again; the copy set
   * aside is named as a leftover of this process, which the next snapshot removes.
   */
  async remove(snapshot: Snapshot): Promise<void> {
    const listed = this.readManifest();
    const file = path.join(this.place, snapshot.file);
    const aside = `${file}.${process.pid}.partial`;
    const present = fs.existsSync(file);
    if (present) fs.renameSync(file, aside);
    try {
      this.writeManifest(listed.filter((s) => s.id !== snapshot.id));
    } catch (error) {
      if (present) fs.renameSync(aside, file);
      throw new GatehouseError('DB_NOT_WRITABLE', `cannot remove snapshot ${snapshot.id} from ${this.manifestFile}: ${(error as Error).message}; its copy was kept, nothing was deleted`, { cause: error });
    }
    fs.rmSync(aside, { force: true });
  }

  /**
   * A copy of the snapshot is brought to this code's schema, attached, and its tables replace the
   * live ones in one transaction: a crash leaves the database either as it was or restored.
   */
  async restore(snapshot: Snapshot, request: RestoreRequest): Promise<RestoreMade> {
    const restoring = `${path.basename(this.file)}.restoring-`;
    removeLeftoversOfGoneProcesses(path.dirname(this.file), new RegExp(`^${escapeRegExp(restoring)}(\\d+)(?:-wal|-shm|-journal)?$`));
    const copy = `${this.file}.restoring-${process.pid}`;
    try {
      // Inside the try: a copy cut short (a full disk) is removed with the rest.
      fs.copyFileSync(path.join(this.place, snapshot.file), copy);
      const prepared = new Database(copy);
      try {
        await migrateSqlite(prepared, copy);
      } finally {
        prepared.close();
      }
      this.db.prepare(`ATTACH DATABASE ? AS ${ATTACHED}`).run(copy);
      try {
        // The copy was migrated to this code's schema: it has every live column.
        const columns = async (table: TableName) => columnsOf(table).map(snakeCase);
        const event = await this.driver.transaction(async (trx) => {
          // Rows go back table by table; the foreign keys must hold when it commits, not in between.
          this.db.pragma('defer_foreign_keys = ON');
          return mendingDamage(trx, 'sqlite', this.driver.damage !== null, { table: (table) => this.remakeFromCopy(table) }, new Date(request.at), () => replaceFromSnapshot(trx, ATTACHED, columns, snapshot, request));
        });
        // Its COMMIT is in this process: its answer cannot be lost.
        return { event, answerLost: null };
      } finally {
        this.db.prepare(`DETACH DATABASE ${ATTACHED}`).run();
      }
    } catch (error) {
      throw restoreFailure(snapshot, error);
    } finally {
      for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(`${copy}${suffix}`, { force: true });
    }
  }

  /** A dropped table made again as the attached copy, migrated to this code's schema, has it: the table, then its indexes and triggers. */
  private remakeFromCopy(table: TableName): Promise<void> {
    const statements = this.db.prepare(`SELECT sql FROM ${ATTACHED}.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type <> 'table'`).pluck().all(snakeCase(table)) as string[];
    for (const statement of statements) this.db.exec(statement);
    return Promise.resolve();
  }

  private readManifest(): Snapshot[] {
    const file = this.manifestFile;
    if (!fs.existsSync(file)) return [];
    let problem: string;
    try {
      const checked = manifestSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
      if (checked.success) return checked.data.snapshots;
      problem = describeZodError(checked.error);
    } catch (error) {
      problem = (error as Error).message;
    }
    // Every command that lists snapshots (and every update, to see whether one is due) stops here;
    // the way on is the operator's, so say what is safe to do.
    throw new GatehouseError('INPUT_INVALID', `snapshot manifest ${file} is unreadable: ${problem}`, {
      hint: `move it aside (the snapshot files beside it are kept, but no longer listed) and a new manifest starts with the next snapshot`,
    });
  }

  private writeManifest(snapshots: Snapshot[]): void {
    const temporary = `${this.manifestFile}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(temporary, `${JSON.stringify({ version: 1, snapshots }, null, 2)}\n`);
      fs.renameSync(temporary, this.manifestFile);
    } catch (error) {
      // A half-written one (a full disk) is ours to remove; a folder in its place is not.
      if (fs.statSync(temporary, { throwIfNoEntry: false })?.isFile()) fs.rmSync(temporary, { force: true });
      throw error;
    }
  }
}

/**
 * A snapshot or restore killed before its cleanup (kill -9, a crash, a power cut) leaves its working
 * copy — the size of the database — under its process id, and nothing else would ever remove it.
 * Those of processes that are gone are removed before the next one starts; `pattern`'s first group
 * is the pid.
 */
function removeLeftoversOfGoneProcesses(folder: string, pattern: RegExp): void {
  if (!fs.existsSync(folder)) return;
  for (const name of fs.readdirSync(folder)) {
    const pid = pattern.exec(name)?.[1];
    if (pid !== undefined && !isProcessAlive(Number(pid), os.hostname())) fs.rmSync(path.join(folder, name), { force: true });
  }
}

/**
 * The online backup API copies `db` a step at a time, each step a read of its own that may write its
 * read mark into the mapped -shm: each first passes the connection's write check (checkWritesOf), as
 * every other read outside a transaction does, so a -shm made immutable during a slow copy is
 * refused (DatabaseUnwritable) where the step's write would have ended the process with SIGBUS.
 */
function checkedBackup(db: Database.Database, target: string): Promise<unknown> {
  checkBeforeWrite(db, 'read');
  return db.backup(target, {
    progress: () => {
      checkBeforeWrite(db, 'read');
      // better-sqlite3's own pages per step, which a progress callback must now name.
      return 100;
    },
  });
}

/**
 * Best effort, so the snapshot's own error is the one said: in a folder made immutable mid-copy,
 * rmSync's EPERM made it retry the file as a folder, and its ENOTDIR reached the operator as an
 * unexpected error instead. What stays is a leftover of this process, removed by the next snapshot.
 */
function removeCopyQuietly(partial: string): void {
  for (const suffix of ['', '-journal']) {
    try {
      fs.rmSync(`${partial}${suffix}`, { force: true });
    } catch {
      // Left for the next snapshot's removeLeftoversOfGoneProcesses.
    }
  }
}

/** PRAGMA integrity_check of a snapshot file, opened read-only: [] when it is sound. */
function integrityProblems(file: string): string[] {
  try {
    return readOnlyLook(file, (copy) => (copy.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check).filter((line) => line !== 'ok'));
  } catch (error) {
    return [`cannot check: ${(error as Error).message}`];
  }
}

function sha256OfFile(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    for (let read = fs.readSync(fd, buffer); read > 0; read = fs.readSync(fd, buffer)) hash.update(buffer.subarray(0, read));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}
