import { defineStore } from 'pinia';
import { markRaw, ref } from 'vue';
import type { ActiveRun, RunEvent } from '../../../shared/api.js';
import type { BatchRecord, RunMetrics, RunSummary } from '../../../shared/run.js';
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
}

/** Runs in progress as the event stream tells them; views read rates and ETAs from here. */
export const useLiveRuns = defineStore('live-runs', () => {
  const runs = ref<Record<number, LiveRun>>({});
  const warnings = ref<string[]>([]);
  /** Bumped whenever a run finishes, so lists reload. */
  const finishedCount = ref(0);
  let connected = false;

  function connect(client: GatehouseClient): void {
    if (connected) return;
    connected = true;
    client.onRunEvent(apply);
    void client.call('runs.active', {}).then((active) => active.forEach(adopt), () => undefined);
  }

  function adopt(active: ActiveRun): void {
    if (runs.value[active.runId]) return;
    runs.value[active.runId] = { runId: active.runId, seenAtMs: Date.now() - active.elapsedMs, elapsedMs: active.elapsedMs, expectedRecords: active.expectedRecords, metrics: active.metrics, batches: [], summary: null };
  }

  function apply(event: RunEvent): void {
    if (event.type === 'warning') {
      warnings.value = [...warnings.value.slice(-4), event.message];
      return;
    }
    if (event.type === 'run-started') {
      runs.value[event.runId] = { runId: event.runId, seenAtMs: Date.now(), elapsedMs: 0, expectedRecords: event.expectedRecords, metrics: emptyMetrics(), batches: [], summary: null };
      return;
    }
    const run = runs.value[event.runId];
    if (!run) return;
    if (event.type === 'progress') Object.assign(run, { metrics: event.metrics, elapsedMs: event.elapsedMs });
    if (event.type === 'batch-finished') {
      run.metrics = event.metrics;
      run.elapsedMs = Date.now() - run.seenAtMs;
      run.batches.push(markRaw(event.batch));
    }
    if (event.type === 'run-finished') {
      run.summary = markRaw(event.summary);
      run.metrics = event.summary.metrics;
      finishedCount.value += 1;
    }
  }

  function isActive(runId: number): boolean {
    const run = runs.value[runId];
    return run !== undefined && run.summary === null;
  }

  return { runs, warnings, finishedCount, connect, apply, isActive };
});

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
