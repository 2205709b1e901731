import path from 'node:path';
import Database from 'better-sqlite3';
import { GatehouseError } from '../../../shared/errors.js';
import type { SnapshotSupport } from '../undo-types.js';

/**
 * SQLite file snapshots through the online backup API (sqlite3_backup_*): the copy is a
 * consistent state of the database even while readers continue and between writer transactions,
 * unlike a file copy, which can catch a half-applied WAL.
 */
export class SqliteSnapshots implements SnapshotSupport {
  readonly file: string;

  constructor(
    private readonly db: Database.Database,
    file: string,
    private readonly migrate: () => void,
  ) {
    this.file = path.resolve(file);
  }

  async backupTo(destination: string): Promise<void> {
    await this.db.backup(destination);
    // A snapshot is a single self-contained file: rollback-journal mode, so opening it read-only
    // later never creates -wal/-shm files or changes the bytes the checksum covers.
    const copy = new Database(destination);
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
  }

  async checkFile(file: string): Promise<string[]> {
    let copy: Database.Database;
    try {
      copy = new Database(file, { readonly: true, fileMustExist: true });
    } catch (error) {
      return [`cannot open: ${(error as Error).message}`];
    }
    try {
      const rows = copy.pragma('integrity_check') as { integrity_check: string }[];
      const problems = rows.map((row) => row.integrity_check).filter((line) => line !== 'ok');
      return problems;
    } catch (error) {
      return [(error as Error).message];
    } finally {
      copy.close();
    }
  }

  async restoreFrom(file: string): Promise<void> {
    const lock = this.db.prepare('SELECT * FROM writer_lock WHERE id = 1').get() as Record<string, unknown> | undefined;
    const source = new Database(file, { readonly: true, fileMustExist: true });
    try {
      // The backup API writes pages into the live file under SQLite's own locking, so other
      // connections see the restored state instead of a file swapped under their feet.
      await source.backup(this.file);
    } catch (error) {
      throw new GatehouseError('DB_NOT_WRITABLE', `restore from ${file} failed: ${(error as Error).message}`, { cause: error });
    } finally {
      source.close();
    }
    this.migrate();
    // The snapshot carries whatever lock row existed when it was taken; the restorer still holds the lock.
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM writer_lock').run();
      if (lock) {
        this.db
          .prepare('INSERT INTO writer_lock (id, run_id, pid, host, since, heartbeat_at) VALUES (1, ?, ?, ?, ?, ?)')
          .run(lock.run_id ?? null, lock.pid, lock.host, lock.since, lock.heartbeat_at);
      }
    })();
  }
}
