import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rollback } from '../main/backup/index.js';
import { runUpdate } from '../main/engine/index.js';
import { openSource } from '../main/sources/index.js';
import { openStore } from '../main/store/index.js';
import type { RunEvent, RunMode } from '../shared/run.js';
import { floorHearings, preReadSource, syntheticItems, writeSqliteFloor } from './floors.js';

export interface EngineMeasurement {
  records: number;
  mode: RunMode | 'floor' | 'resumed' | 'rolled back';
  ms: number;
  /** This process's CPU (user + system) over the same span as `ms`: on a shared machine, steadier than wall time. */
  cpuMs?: number;
  recordsPerSecond: number;
}

function cpuMsSince(before: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(before);
  return (user + system) / 1000;
}

/** The synthetic feed every engine measurement here reads: the same records for the same count. */
const benchSource = (records: number) => openSource(`synthetic:seed=1,count=${records}`);

function freshDatabase(): { file: string; remove: () => void } {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
  return { file: path.join(folder, 'bench.db'), remove: () => fs.rmSync(folder, { recursive: true, force: true }) };
}

/**
 * Where an update measurement's clock starts. `end-to-end`, as `gatehouse update` does it: open,
 * migrate, generate the synthetic records, lock, rules, batches, record the run. `beside-floor`, the
 * span the floor times (measureFloor) and the throughput sweep uses: the schema made and the records
 * generated before the clock (≈ 15 % of a 100k run, none of it the floor's). Closing the store is on
 * the clock either way: its last WAL checkpoint is part of the writing, as the floor's close is.
 */
export type UpdateSpan = 'end-to-end' | 'beside-floor';

/**
 * One update of `records` synthetic hearings into a fresh SQLite file. `batchCeiling` null: fixed
 * batches of `batchSize`, as runUpdate runs without one; the CLI's default (ADAPTIVE_BATCHES on)
 * grows them to DEFAULT_BATCH_CEILING.
 */
export async function measureUpdate(records: number, mode: RunMode, batchSize = 50, batchCeiling: number | null = null, span: UpdateSpan = 'end-to-end'): Promise<EngineMeasurement> {
  const { file, remove } = freshDatabase();
  try {
    const ready = span === 'beside-floor' ? { store: await openStore(file), source: preReadSource(await syntheticItems(records)) } : null;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const store = ready?.store ?? (await openStore(file));
    const source = ready?.source ?? (await benchSource(records));
    const summary = await runUpdate({ store, source, mode, batchSize, batchCeiling });
    await store.close();
    const ms = performance.now() - started;
    const cpuMs = cpuMsSince(cpuBefore);
    if (summary.metrics.added !== records) throw new Error(`bench run added ${summary.metrics.added} of ${records}`);
    return { records, mode, ms, cpuMs, recordsPerSecond: (records / ms) * 1000 };
  } finally {
    remove();
  }
}

/** The floor (bench/floors.ts): the same rows by a plain prepared-statement loop in one transaction, normalized before the clock starts. */
export async function measureFloor(records: number): Promise<EngineMeasurement> {
  const { file, remove } = freshDatabase();
  try {
    const store = await openStore(file);
    await store.close();
    const hearings = await floorHearings(records);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    writeSqliteFloor(file, hearings, null);
    const ms = performance.now() - started;
    return { records, mode: 'floor', ms, cpuMs: cpuMsSince(cpuBefore), recordsPerSecond: (records / ms) * 1000 };
  } finally {
    remove();
  }
}

/**
 * The first part of a batch run, stopped as a signal stops it once `stopAt` records are in: the
 * database `resumeInterrupted` picks up, in another process so its peak RSS is its own.
 */
export async function interruptedRun(records: number, file: string, stopAt: number): Promise<void> {
  const store = await openStore(file);
  const stop = new AbortController();
  const onEvent = (event: RunEvent) => {
    if (event.type === 'batch-finished' && event.metrics.fetched >= stopAt) stop.abort();
  };
  const summary = await runUpdate({ store, source: await benchSource(records), mode: 'batch', batchSize: 50, signal: stop.signal, onEvent });
  await store.close();
  if (summary.status !== 'interrupted') throw new Error(`the run to resume ended ${summary.status}`);
}

/** Resumes the run `interruptedRun` left, to the end: the duplicate check rebuilt from what it wrote, then the rest. */
export async function resumeInterrupted(records: number, file: string): Promise<EngineMeasurement> {
  const started = performance.now();
  const store = await openStore(file);
  const [interrupted] = await store.listRuns();
  const summary = await runUpdate({ store, source: await benchSource(records), mode: 'batch', batchSize: 50, resumeRunId: interrupted!.runId });
  await store.close();
  const ms = performance.now() - started;
  if (summary.metrics.added !== records) throw new Error(`the resumed run added ${summary.metrics.added} of ${records}`);
  return { records, mode: 'resumed', ms, recordsPerSecond: (records / ms) * 1000 };
}

/** Rolls back the latest run of `file` whole, as support staff would: every hearing it added deleted, in one transaction. */
export async function rollBackLatestRun(records: number, file: string): Promise<EngineMeasurement> {
  const started = performance.now();
  const store = await openStore(file);
  const [latest] = await store.listRuns();
  const report = await rollback(store, { runId: latest!.runId, reason: 'bench: roll back a large run', operator: 'bench' });
  await store.close();
  const ms = performance.now() - started;
  if (report.counts.deleted !== records) throw new Error(`the rollback deleted ${report.counts.deleted} of ${records}`);
  return { records, mode: 'rolled back', ms, recordsPerSecond: (records / ms) * 1000 };
}
