import os from 'node:os';

/**
 * Whether the process that took a lock or started a run still lives. Only answerable on this
 * host; a process elsewhere is presumed alive and must be judged by its heartbeat.
 */
export function isProcessAlive(pid: number, host: string): boolean {
  if (host !== os.hostname()) return true;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
