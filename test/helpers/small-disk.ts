import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

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
