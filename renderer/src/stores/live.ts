import { defineStore } from 'pinia';
import { computed, markRaw, onUnmounted, ref } from 'vue';
import type { ActiveRun, RunEvent } from '../../../shared/api.js';
import { taskResumeText, type TaskRunStarted } from '../../../shared/api-operations.js';
import { effectiveStatus, type BatchRecord, type RunMetrics, type RunSummary, type RunWait } from '../../../shared/run.js';
import type { GatehouseClient } from '../client/index.js';

export interface LiveRun {
  runId: number;
  /** Client-side start, for records/s; the server's elapsed time wins when it reports one. */
  seenAtMs: number;
  elapsedMs: number;
  expectedRecords: number | null;
  metrics: RunMetrics;
  batches: BatchRecord[];
  summary: RunSummary | null;
  /** What the run sits waiting for now (a server's Retry-After, a backoff): shown so it does not look hung. */
  wait: RunWait | null;
}

declare global {
  interface Window {
    /**
     * A shorter OTHER_WRITERS_POLL_MS for this page, set before the console loads: the browser
     * suites set it, so what they change beside the page shows within a moment rather than up to
     * three seconds later. Nothing in the product sets it.
     */
    gatehouseLookEveryMs?: number;
  }
}

/**
 * How often the newest stored runs (and the tasks, flags and trails no event tells of) are read
 * again for what another process writes: every 3 s, unless the page was given a pace of its own.
 */
export const OTHER_WRITERS_POLL_MS = lookPace(typeof window === 'undefined' ? undefined : window.gatehouseLookEveryMs);

function lookPace(given: unknown): number {
  return typeof given === 'number' && Number.isFinite(given) && given > 0 ? given : 3_000;
}
/** The newest runs compared at each look: more than could start between two looks. */
const NEWEST_RUNS = 20;

/** Runs in progress as the event stream tells them; views read rates and ETAs from here. */
export const useLiveRuns = defineStore('live-runs', () => {
  const runs = ref<Record<number, LiveRun>>({});
  const warnings = ref<string[]>([]);
  /** Bumped whenever a run finishes (or one another process writes starts or ends), so lists reload. */
  const finishedCount = ref(0);
  /** Bumped whenever a run this stream follows starts, so lists of stored runs show it as running at once, not only once it ends. */
  const startedCount = ref(0);
  /** Bumped at each look that saw a run another process writes running or ending, so its page reloads. */
  const othersMoved = ref(0);
  /** Runs whose stored status changed between the last two looks, not by a run this stream follows: their pages read them again. */
  const statusMoved = ref<number[]>([]);
  /** Runs another process (the CLI, a teammate's console) is writing, as the last look found them stored. */
  const othersRunning = ref<number[]>([]);
  /** Runs in progress on this database, this server's and others': the sidebar's count. */
  const activeCount = computed(() => Object.values(runs.value).filter((run) => run.summary === null).length + othersRunning.value.length);
  /** The event stream dropped (browser mode, server gone): runs shown as running may have moved on since. */
  const streamLost = ref(false);
  /** The server answers but refuses this page (a restart signed it out, its session expired): why, and what to do; null otherwise. */
  const streamRefused = ref<string | null>(null);
  /** The new run of a task that followed at once the resume of its run, by the resumed run's id (run-started's afterResumeOf). */
  const followUps = ref<Record<number, number>>({});
  /** Why the new run after the resume of a task's run could not start, by the resumed run's id (the warning that says so). */
  const followUpFailures = ref<Record<number, string>>({});
  /** What each Run of a task from this console did (tasks.run), by the run it started first; the newest is `lastTaskRun`. */
  const taskRuns = ref<Record<number, TaskRunStarted & { task: string }>>({});
  const lastTaskRun = ref<number | null>(null);
  let connected = false;
  let lastLook: Map<number, RunSummary['status']> | null = null;

  function connect(client: GatehouseClient): void {
    if (connected) return;
    connected = true;
    client.onRunEvent(apply);
    client.onStreamStatus((live, refused) => {
      streamLost.value = !live;
      streamRefused.value = live ? null : (refused ?? streamRefused.value);
    });
    void client.call('runs.active', {}).then((active) => active.forEach(adopt), () => undefined);
  }

  function adopt(active: ActiveRun): void {
    if (runs.value[active.runId]) return;
    runs.value[active.runId] = { runId: active.runId, seenAtMs: Date.now() - active.elapsedMs, elapsedMs: active.elapsedMs, expectedRecords: active.expectedRecords, metrics: active.metrics, batches: [], summary: null, wait: active.wait };
  }

  function apply(event: RunEvent): void {
    if (event.type === 'warning') {
      warnings.value = [...warnings.value.slice(-4), event.message];
      if (event.cause === 'follow-up-failed') followUpFailures.value[event.runId] = event.error;
      return;
    }
    if (event.type === 'run-started') {
      runs.value[event.runId] = { runId: event.runId, seenAtMs: Date.now(), elapsedMs: 0, expectedRecords: event.expectedRecords, metrics: emptyMetrics(), batches: [], summary: null, wait: null };
      if (event.afterResumeOf !== undefined) followUps.value[event.afterResumeOf] = event.runId;
      startedCount.value += 1;
      return;
    }
    const run = runs.value[event.runId];
    if (!run) return;
    if (event.type === 'progress') Object.assign(run, { metrics: event.metrics, elapsedMs: event.elapsedMs });
    if (event.type === 'waiting') run.wait = event.wait;
    if (event.type === 'batch-finished') {
      run.metrics = event.metrics;
      run.elapsedMs = Date.now() - run.seenAtMs;
      run.batches.push(markRaw(event.batch));
    }
    if (event.type === 'run-finished') {
      run.summary = markRaw(event.summary);
      run.wait = null;
      run.metrics = event.summary.metrics;
      finishedCount.value += 1;
    }
  }

  function ranTask(task: string, started: TaskRunStarted): void {
    taskRuns.value[started.runId] = { ...started, task };
    lastTaskRun.value = started.runId;
  }

  /**
   * "Task nightly: resumed run 4 (interrupted after batch 2), then started run 5" for a run a Run of
   * a task here resumed, or started after (or instead of) that resume; null for any other run.
   */
  function taskRunText(runId: number): string | null {
    for (const run of Object.values(taskRuns.value)) {
      if (!run.resume) continue;
      const followedBy = followUps.value[run.resume.runId] ?? null;
      if (run.runId === runId || followedBy === runId) return `Task ${run.task}: ${taskResumeText(run.resume, followedBy, followUpFailures.value[run.resume.runId])}`;
    }
    return null;
  }

  function isActive(runId: number): boolean {
    const run = runs.value[runId];
    return run !== undefined && run.summary === null;
  }

  /**
   * The event stream carries only the runs this server executes: a run the CLI (or another
   * console on the same database) starts, writes and ends in between is seen here, in the newest
   * stored runs. A run that appeared or changed status reloads the lists; while one is stored as
   * running, each look reloads its page (its batches are in the database, not on the stream). A
   * run this stream follows but the database says has ended (its run-finished event was lost while
   * the stream reconnected) is finished from the stored row.
   */
  async function lookForOtherWriters(client: GatehouseClient): Promise<void> {
    const newest = await client.call('runs.list', { limit: NEWEST_RUNS });
    const previous = lastLook;
    // A run whose process is gone (killed) is interrupted, not running: it neither counts nor reloads pages as one.
    const seen = new Map(newest.map((run) => [run.runId, effectiveStatus(run)]));
    lastLook = seen;
    for (const run of newest) if (isActive(run.runId) && run.status !== 'running') apply({ type: 'run-finished', runId: run.runId, summary: run });
    const others = newest.filter((run) => runs.value[run.runId] === undefined);
    othersRunning.value = others.filter((run) => effectiveStatus(run) === 'running').map((run) => run.runId);
    if (previous === null) return;
    // Stored runs whose status changed though no run of this stream is writing them: ended elsewhere,
    // or rolled back or restored away by another process (a teammate's console, the CLI).
    statusMoved.value = newest.filter((run) => !isActive(run.runId) && previous.has(run.runId) && previous.get(run.runId) !== seen.get(run.runId)).map((run) => run.runId);
    const changed = statusMoved.value.length > 0 || others.some((run) => previous.get(run.runId) !== seen.get(run.runId));
    if (changed) finishedCount.value += 1;
    if (changed || othersRunning.value.length > 0) othersMoved.value += 1;
  }

  /**
   * Looks at once — what the views are about to load is the baseline, so a run that starts before
   * the next look is news — then every OTHER_WRITERS_POLL_MS while the page is visible; returns the stop.
   */
  function followOtherWriters(client: GatehouseClient, everyMs = OTHER_WRITERS_POLL_MS): () => void {
    const look = () => void lookForOtherWriters(client).catch(() => undefined);
    look();
    return lookEvery(look, everyMs);
  }

  return { runs, warnings, streamLost, streamRefused, finishedCount, startedCount, othersMoved, othersRunning, statusMoved, activeCount, lastTaskRun, taskRuns, connect, apply, isActive, ranTask, taskRunText, lookForOtherWriters, followOtherWriters };
});

/** Calls `look` every `everyMs` while the page is visible (a hidden tab asks the server nothing); returns the stop. */
function lookEvery(look: () => void, everyMs: number): () => void {
  const timer = setInterval(() => document.visibilityState !== 'hidden' && look(), everyMs);
  return () => clearInterval(timer);
}

/**
 * For what the CLI, a scheduler or another window changes and no event tells (tasks, their audit
 * trail): `readAgain` at the pace the console looks for other writers' runs, from the component's
 * setup until it unmounts.
 */
export function readAgainWhileShown(readAgain: () => unknown): void {
  onUnmounted(lookEvery(() => void readAgain(), OTHER_WRITERS_POLL_MS));
}

function emptyMetrics(): RunMetrics {
  return { fetched: 0, added: 0, updated: 0, unchanged: 0, quarantined: 0, durationMs: 0 };
}

/** Records per second and seconds left, from what the run has read so far. */
export function pace(run: LiveRun, nowMs = Date.now()): { perSecond: number | null; etaSeconds: number | null } {
  const elapsed = Math.max(run.elapsedMs, nowMs - run.seenAtMs) / 1000;
  if (elapsed <= 0 || run.metrics.fetched === 0) return { perSecond: null, etaSeconds: null };
  const perSecond = run.metrics.fetched / elapsed;
  const left = run.expectedRecords === null ? null : Math.max(0, run.expectedRecords - run.metrics.fetched);
  return { perSecond, etaSeconds: left === null ? null : left / perSecond };
}

/**
 * A run's batches as its page shows them: the stored ones (they carry what happened since, such as
 * a rollback), then those the stream reported after them. A page opened or reloaded mid-run read
 * the first batches from the database and hears only the later ones from the stream.
 */
export function withStreamedBatches(stored: BatchRecord[], streamed: BatchRecord[]): BatchRecord[] {
  const lastStored = stored.at(-1)?.seq ?? 0;
  const newer = streamed.filter((b) => b.seq > lastStored);
  return newer.length === 0 ? stored : [...stored, ...newer];
}
