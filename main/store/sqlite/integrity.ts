import fs from 'node:fs';
import type Database from 'better-sqlite3';
import { GatehouseError } from '../../../shared/errors.js';
import type { IntegrityCheck } from '../../../shared/run.js';
import type { IntegrityPolicy } from '../driver.js';
import { DatabaseFileLost } from '../faults.js';
import { CORRUPT_HINT, openFailure } from './open.js';
import { checkBeforeWrite } from './write-gate.js';

/**
 * When a run reads the whole database to check it (issue 13 #5 without issue 12 #6's cost).
 * PRAGMA quick_check reads every page, so on every run it scales with the database. It runs when
 * asked, and whenever the file is not exactly as Gatehouse's last verified run left it; an
 * untouched file skips it. "As left" is the file's identity, recorded beside it after each run
 * that began verified and saw no other connection commit: device, inode, size, mtime and ctime
 * (in ns) of the database and its WAL. Any write to the bytes changes mtime and ctime, and ctime
 * cannot be set back; a copy or a restore by hand is a new inode. Content in the file cannot serve:
 * in WAL mode SQLite does not bump the header's change counter (bytes 24–27) on commits, and an
 * outside write to a page changes no counter at all. Other Gatehouse processes' runs record the
 * identity they leave, so they do not count as outside writes; any other write does, including
 * the console's own writes between runs (a full check next run, never a missed one). What this
 * cannot tell from a run's own writes is another program writing the bytes during the run; the
 * integrity_check of the next snapshot's copy (at the latest, the day's first run) sees that.
 */
const IDENTITY_FIELDS = ['dev', 'ino', 'size', 'mtimeNs', 'ctimeNs'] as const;
type FileIdentity = Record<(typeof IDENTITY_FIELDS)[number], string>;
/** The fields as the run page and the CLI name them, in the skip reason's words ("inode, size, mtime and ctime"). */
const IDENTITY_FIELD_NAMES: Record<(typeof IDENTITY_FIELDS)[number], string> = { dev: 'device', ino: 'inode', size: 'size', mtimeNs: 'mtime', ctimeNs: 'ctime' };

interface DatabaseIdentity {
  database: FileIdentity;
  /** Null when absent or empty: an empty WAL holds no page, and every connection creates one. */
  wal: FileIdentity | null;
}

/** The record of the identity Gatehouse's last verified run left, beside the database. */
function verifiedRecordFile(databaseFile: string): string {
  return `${databaseFile}.verified.json`;
}

function fileIdentity(file: string): FileIdentity | null {
  const stat = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
  if (!stat) return null;
  return Object.fromEntries(IDENTITY_FIELDS.map((field) => [field, String(stat[field])])) as FileIdentity;
}

function databaseIdentity(databaseFile: string): DatabaseIdentity | null {
  const database = fileIdentity(databaseFile);
  if (!database) return null;
  const wal = fileIdentity(`${databaseFile}-wal`);
  return { database, wal: wal && wal.size !== '0' ? wal : null };
}

function readVerifiedRecord(databaseFile: string): DatabaseIdentity | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(verifiedRecordFile(databaseFile), 'utf8')) as DatabaseIdentity;
    return typeof parsed?.database?.ino === 'string' ? parsed : null;
  } catch {
    // Missing or unreadable: nothing vouches for the file, so it gets the full check.
    return null;
  }
}

/** What differs between the recorded identity and the file now, or null when nothing does. */
function identityChange(recorded: DatabaseIdentity, now: DatabaseIdentity | null): string | null {
  if (!now) return 'the database file is missing';
  const files = [['database', recorded.database, now.database], ['WAL', recorded.wal, now.wal]] as const;
  for (const [name, before, after] of files) {
    if (!before || !after) {
      if (before !== after) return `its ${name} file ${before ? 'is gone or empty' : 'appeared'}`;
      continue;
    }
    const changed = IDENTITY_FIELDS.filter((field) => before[field] !== after[field]);
    if (changed.length > 0) {
      const named = changed.map((field) => IDENTITY_FIELD_NAMES[field]);
      return `its ${name} file's ${named.length === 1 ? named[0] : `${named.slice(0, -1).join(', ')} and ${named.at(-1)}`} changed`;
    }
  }
  return null;
}

/** quick_check's complaints; an empty list is a clean database. */
function quickCheckProblems(db: Database.Database, location: string): string[] {
  // A read outside a transaction, which may write its read mark into the mapped -shm (IntegrityGuard.dataVersion).
  checkBeforeWrite(db, 'read');
  try {
    const lines = (db.pragma('quick_check') as { quick_check: string }[]).flatMap((row) => row.quick_check.split('\n'));
    return lines.filter((line) => line !== 'ok' && !line.startsWith('***'));
  } catch (error) {
    throw openFailure(location, error);
  }
}

/** One connection's view of whether the file it has open is verified. */
export class IntegrityGuard implements IntegrityPolicy {
  /** PRAGMA data_version when this connection last found the file verified; it moves only when another connection commits. */
  private verifiedAt: number | null = null;

  constructor(
    private readonly db: Database.Database,
    private readonly location: string,
  ) {}

  /** Refuses a corrupted database before a run writes; reads the whole file only when the policy says so. */
  async check(options: { full?: boolean } = {}): Promise<IntegrityCheck> {
    const recorded = readVerifiedRecord(this.location);
    const change = recorded ? identityChange(recorded, databaseIdentity(this.location)) : 'no verified run has recorded it';
    if (!options.full && change === null) {
      this.verifiedAt = this.dataVersion();
      return { check: 'skipped', reason: 'the file is as the last verified run left it (inode, size, mtime and ctime of the database and its WAL)' };
    }
    const reason = options.full ? 'asked for' : `the file is not as the last verified run left it: ${change}`;
    const problems = quickCheckProblems(this.db, this.location);
    if (problems.length > 0) {
      this.forget();
      throw new GatehouseError('INPUT_INVALID', `database ${this.location} failed its integrity check (quick_check): ${problems.slice(0, 3).join('; ')}; nothing was written`, {
        hint: CORRUPT_HINT,
      });
    }
    this.verifiedAt = this.dataVersion();
    return { check: 'full', reason: `quick_check passed; ${reason}` };
  }

  /**
   * After a run: records the identity it leaves, if the run began verified and no other connection
   * committed since; otherwise removes the record, so the next run checks in full.
   */
  async recordVerified(): Promise<void> {
    if (this.verifiedAt === null || this.dataVersionUnlessLost() !== this.verifiedAt) {
      this.forget();
      return;
    }
    this.writeRecord();
  }

  /**
   * Closing checkpoints the WAL into the database, which changes its identity: if nothing touched
   * the file since the last run recorded it, the identity after closing is recorded instead.
   */
  async closeWith(closeConnection: () => Promise<void>): Promise<void> {
    const recorded = readVerifiedRecord(this.location);
    const untouched = recorded !== null && this.verifiedAt === this.dataVersion() && identityChange(recorded, databaseIdentity(this.location)) === null;
    await closeConnection();
    if (untouched) this.writeRecord();
  }

  /**
   * PRAGMA data_version starts a read, which writes this connection's read mark into the mapped
   * -shm: it passes the connection's write check first (checkWritesOf), as every other read outside
   * a transaction does. Unchecked, a run whose -shm was made immutable between two batches (refused
   * at its next read, so no read mark was taken after its last COMMIT) died of SIGBUS here, after its
   * summary was ready but before it was printed.
   */
  private dataVersion(): number {
    if (!this.db.inTransaction) checkBeforeWrite(this.db, 'read');
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** data_version, or null once the file is lost to this connection (DatabaseFileLost): a file this run could not finish writing is not vouched for. */
  private dataVersionUnlessLost(): number | null {
    try {
      return this.dataVersion();
    } catch (error) {
      if (error instanceof DatabaseFileLost) return null;
      throw error;
    }
  }

  private writeRecord(): void {
    const identity = databaseIdentity(this.location);
    if (!identity) return;
    const file = verifiedRecordFile(this.location);
    const partial = `${file}.partial`;
    try {
      // Written whole then renamed: a torn record reads as missing, never as a wrong identity.
      fs.writeFileSync(partial, `${JSON.stringify(identity)}\n`);
      fs.renameSync(partial, file);
    } catch {
      // Unwritable folder or a full disk: without a record the next run simply checks in full. A
      // full disk had the partial file created, empty, before its write failed: it goes too.
      this.forget();
      removeQuietly(partial);
    }
  }

  private forget(): void {
    // A record left behind describes a file that has since changed, so it vouches for nothing.
    removeQuietly(verifiedRecordFile(this.location));
  }
}

/** Best effort: a file that cannot be removed (an unwritable folder) stays, read by no one as a record. */
function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // Nothing more to do: it is never read as the record.
  }
}
