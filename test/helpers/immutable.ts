import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';

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
