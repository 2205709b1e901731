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

/** A lock's holder, as its lock names it: its process, and when it last said it was alive. */
export interface LockHeartbeat {
  pid: number;
  host: string;
  heartbeatAt: string;
}

/**
 * Whether a lock's holder is gone, so its lock may be taken over: its process on this host is dead,
 * or its heartbeat is older than `staleAfterMs` — the only sign of life a process on another host
 * (a shared network folder, a shared database) gives. One rule for the writer lock and a trial's
 * staging lock.
 */
export function isHolderGone(holder: LockHeartbeat, options: { now: Date; staleAfterMs: number }): boolean {
  return options.now.getTime() - Date.parse(holder.heartbeatAt) > options.staleAfterMs || !isProcessAlive(holder.pid, holder.host);
}

/** A run left `running`, with the process that ran it. */
export type RunningRun = { id: number; pid: number | null; host: string | null };

/**
 * The process of a run left `running`, when it is known dead: on this host and gone (a run without
 * a host counts as this host's, one without a pid as alive). One on another host is presumed alive:
 * only the writer lock tells (its holder marks every run left `running`, markOrphanedRunsInterrupted).
 */
export function deadProcessOf(run: { pid: number | null; host: string | null }): { pid: number; host: string } | null {
  if (run.pid === null) return null;
  const host = run.host ?? os.hostname();
  return isProcessAlive(run.pid, host) ? null : { pid: run.pid, host };
}

/** Of the runs left `running`, those whose process is known to be dead (deadProcessOf). */
export function runsOfDeadProcesses(running: RunningRun[]): number[] {
  return running.filter((run) => deadProcessOf(run) !== null).map((run) => run.id);
}

/**
 * Of the runs left `running`, those a reader can tell no writer is running, writing nothing: their
 * process is known dead (deadProcessOf), or — as a run writes only while its process holds the
 * writer lock — the lock is held by another process, or by nobody. That tells of a process on
 * another host too, which deadProcessOf cannot. `holder`: who holds the lock now, null for nobody,
 * undefined when it is held but by whom is not known yet (its row not written): the pid alone then.
 */
export function runsWithoutWriter(running: RunningRun[], holder: { pid: number; host: string } | null | undefined): number[] {
  const holdsIt = (run: RunningRun) => holder === undefined || run.pid === null || (holder !== null && holder.pid === run.pid && holder.host === (run.host ?? os.hostname()));
  return running.filter((run) => deadProcessOf(run) !== null || !holdsIt(run)).map((run) => run.id);
}
