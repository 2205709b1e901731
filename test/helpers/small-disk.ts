import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from './cli.js';

/** A real full disk: a small tmpfs on `folder`, which needs root (mount) — null, or why it cannot be had, for the test to skip saying so. */
export function mountSmallDisk(folder: string, size: string): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', folder], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

export function unmountSmallDisk(folder: string): void {
  execFileSync('umount', [folder], { stdio: 'pipe' });
}

/** Fills `disk` with a file of zeros until it is full, then gives back `freeKb` of it. */
export function fillLeaving(disk: string, freeKb: number): void {
  const filler = path.join(disk, 'filler');
  fs.rmSync(filler, { force: true });
  const zeros = Buffer.alloc(4096);
  const fd = fs.openSync(filler, 'w');
  try {
    for (;;) fs.writeSync(fd, zeros);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    fs.closeSync(fd);
  }
  fs.truncateSync(filler, Math.max(0, fs.statSync(filler).size - freeKb * 1024));
}

/** `disk` holding only a copy of `database` (as gatehouse.db, its path returned) and `freeKb` of room. */
export function copyLeaving(disk: string, database: string, freeKb: number): string {
  const stored = path.join(disk, 'gatehouse.db');
  for (const name of fs.readdirSync(disk)) fs.rmSync(path.join(disk, name), { recursive: true, force: true });
  fs.copyFileSync(database, stored);
  fillLeaving(disk, freeKb);
  return stored;
}

/**
 * A database of 30 hearings written by `gatehouse update` (then each of `setup`'s CLI commands run on
 * it), handed to `use` as `copyWithRoom(freeKb)`: its copy on a `size` tmpfs with that much room left.
 * The tmpfs is unmounted however `use` ends. Null, or why no tmpfs can be mounted here (for the skip).
 */
export async function databaseOnSmallDisk(
  folder: string,
  size: string,
  setup: string[][],
  use: (copyWithRoom: (freeKb: number) => string) => Promise<void> | void,
): Promise<string | null> {
  const pristine = path.join(folder, 'pristine.db');
  for (const args of [['update', '--source', 'synthetic:seed=1,count=30', '--no-snapshot'], ...setup]) {
    const result = runCli([...args, '--db', pristine]);
    if (result.code !== 0) throw new Error(`gatehouse ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  }
  const disk = path.join(folder, 'disk');
  fs.mkdirSync(disk);
  const cannotMount = mountSmallDisk(disk, size);
  if (cannotMount !== null) return cannotMount;
  try {
    await use((freeKb) => copyLeaving(disk, pristine, freeKb));
  } finally {
    unmountSmallDisk(disk);
  }
  return null;
}
