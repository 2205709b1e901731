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

/** A run left `running`, with the process that ran it. */
export type RunningRun = { id: number; pid: number | null; host: string | null };

/** Of the runs left `running`, those whose process is known to be dead (a run without pid or host counts as this host's). */
export function runsOfDeadProcesses(running: RunningRun[]): number[] {
  return running.filter((run) => !isProcessAlive(run.pid ?? 0, run.host ?? os.hostname())).map((run) => run.id);
}
