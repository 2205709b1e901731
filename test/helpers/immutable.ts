import { execFileSync } from 'node:child_process';

/** Marks `file` immutable (chattr +i); returns how to lift it, or null where this file system or user cannot. */
export function makeImmutable(file: string): (() => void) | null {
  try {
    execFileSync('chattr', ['+i', file], { stdio: 'pipe' });
    return () => execFileSync('chattr', ['-i', file], { stdio: 'pipe' });
  } catch {
    return null;
  }
}
