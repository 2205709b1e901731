import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import type { CliResult } from './cli.js';

/** Marks `file` immutable (chattr +i); returns how to lift it, or null where this file system or user cannot. */
export function makeImmutable(file: string): (() => void) | null {
  try {
    execFileSync('chattr', ['+i', file], { stdio: 'pipe' });
    return () => execFileSync('chattr', ['-i', file], { stdio: 'pipe' });
  } catch {
    return null;
  }
}

/**
 * Another program's commit to the SQLite file `db`: a process holding it open must then move its
 * read mark in the -shm to the new end of the WAL at its next read, a write into the mapping.
 */
export function commitFromAnotherProcess(db: string): void {
  const other = new Database(db);
  other.exec('CREATE TABLE outside_note (note TEXT)');
  other.exec('DROP TABLE outside_note');
  other.close();
}

/**
 * Lets a command held at the test seam go on with `db`'s -shm made immutable after another process
 * committed: its next read must then write its read mark into a -shm the file system refuses. Returns
 * the command's result, or null where chattr is not possible here (the command was let go all the same).
 */
export async function goOnWithShmImmutable(db: string, held: { cli: { done: Promise<CliResult> }; goOn: () => void }): Promise<CliResult | null> {
  commitFromAnotherProcess(db);
  const lift = makeImmutable(`${db}-shm`);
  if (lift === null) {
    held.goOn();
    await held.cli.done;
    return null;
  }
  try {
    // Written back, the -shm's pages are mapped read-only again: the next write into one asks the file system, which refuses an immutable file with SIGBUS.
    execFileSync('sync');
    held.goOn();
    return await held.cli.done;
  } finally {
    lift();
  }
}
