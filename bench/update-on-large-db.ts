import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from 'simple-statistics';
import { runFlaggedUpdate } from '../main/scheduler/index.js';
import { openSource } from '../main/sources/index.js';
import { openStore, type Store } from '../main/store/index.js';

/**
 * Issue 12 #6: "a 500-record update on a 200,000-hearing database within 1.2× of the same update
 * on an empty one when no snapshot is due". Both databases are primed by a run the policy
 * snapshots (the day's first), so the measured runs find no snapshot due and pay only for their
 * own writes: each finds the file as the previous run left it, so the integrity policy skips the
 * whole-file quick_check (main/store/sqlite/integrity.ts); the table says which checks the
 * measured runs did. The same update with a forced snapshot is measured beside them, for what the
 * policy saves, and quick_check alone, for what the integrity policy saves.
 * Usage: node dist/bench/update-on-large-db.js [HEARINGS] (default 200000).
 */
export interface LargeDbMeasurement {
  hearings: number;
  updateRecords: number;
  emptyMs: number;
  largeMs: number;
  largeWithSnapshotMs: number;
  ratio: number;
  /** How the measured runs on the large database were checked before writing, e.g. `skipped ×3`. */
  largeChecks: string;
  /** A forced full quick_check (issue 13 #5), what a run pays when the file was touched since the last verified run. */
  quickCheckSmallMs: number;
  quickCheckLargeMs: number;
  databaseBytes: number;
}

const UPDATE_RECORDS = 500;
const REPEATS = 9;
/** Snapshotted updates cost ~2 s each and are reported for contrast only. */
const FORCED_REPEATS = 3;

/** 'prime' lets the policy snapshot; 'policy' must find none due; 'forced' takes one (--snapshot). */
async function update(store: Store, spec: string, kind: 'prime' | 'policy' | 'forced'): Promise<{ ms: number; check: string }> {
  const started = performance.now();
  const { summary } = await runFlaggedUpdate({ store, source: await openSource(spec), task: null, snapshots: kind === 'forced' ? true : undefined });
  const ms = performance.now() - started;
  if (summary.status !== 'success') throw new Error(`bench run ${spec} ended ${summary.status}: ${summary.error}`);
  if (kind === 'policy' && summary.snapshot?.taken) throw new Error(`bench run ${spec} took a snapshot: ${summary.snapshot.reason}`);
  return { ms, check: summary.snapshot?.integrity?.check ?? 'unknown' };
}

function checkCounts(checks: string[]): string {
  const counted = new Map<string, number>();
  for (const check of checks) counted.set(check, (counted.get(check) ?? 0) + 1);
  return [...counted].map(([check, n]) => `${check} ×${n}`).join(', ');
}

/** One update of 500 records (revision `revision`, so each really changes them). */
function updateSpec(seed: number, revision: number): string {
  return `synthetic:seed=${seed},count=${UPDATE_RECORDS},revision=${revision},changed=${UPDATE_RECORDS}`;
}

/**
 * The median of REPEATS policy updates on each database, taken in turns (small, large, small, …):
 * an update takes ~70 ms, so a few milliseconds of the machine's drift would move the ratio by
 * 0.1 if one side's runs all came before the other's.
 */
async function alternatingMedians(small: Store, large: Store): Promise<{ smallMs: number; largeMs: number; largeChecks: string }> {
  const smallTimes: number[] = [];
  const largeTimes: number[] = [];
  const checks: string[] = [];
  for (let revision = 1; revision <= REPEATS; revision += 1) {
    smallTimes.push((await update(small, updateSpec(1, revision), 'policy')).ms);
    const { ms, check } = await update(large, updateSpec(1, revision), 'policy');
    largeTimes.push(ms);
    checks.push(check);
  }
  return { smallMs: median(smallTimes), largeMs: median(largeTimes), largeChecks: checkCounts(checks) };
}

/** The median of FORCED_REPEATS updates that each take a snapshot, after the policy runs' revisions. */
async function medianForcedMs(store: Store): Promise<number> {
  const times: number[] = [];
  for (let r = 1; r <= FORCED_REPEATS; r += 1) times.push((await update(store, updateSpec(1, REPEATS + r), 'forced')).ms);
  return median(times);
}

async function timed(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export async function measureUpdateOnLargeDb(hearings: number): Promise<LargeDbMeasurement> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-large-'));
  try {
    const empty = await openStore(path.join(folder, 'empty.db'));
    const large = await openStore(path.join(folder, 'large.db'));
    try {
      // Priming: the empty database gets the 500 records the update revises, the large one all of them.
      await update(empty, `synthetic:seed=1,count=${UPDATE_RECORDS}`, 'prime');
      await update(large, `synthetic:seed=1,count=${hearings}`, 'prime');
      // One unmeasured update on each first, so neither side pays for the process warming up nor for
      // what priming left behind (WAL, cache); only the small side had one, which biased the ratio.
      for (const store of [empty, large]) await update(store, updateSpec(1, 99), 'policy');
      const { smallMs: emptyMs, largeMs, largeChecks } = await alternatingMedians(empty, large);
      const largeWithSnapshotMs = await medianForcedMs(large);
      const quickCheckSmallMs = await timed(async () => void (await empty.checkIntegrity({ full: true })));
      const quickCheckLargeMs = await timed(async () => void (await large.checkIntegrity({ full: true })));
      const databaseBytes = fs.statSync(path.join(folder, 'large.db')).size;
      return { hearings, updateRecords: UPDATE_RECORDS, emptyMs, largeMs, largeWithSnapshotMs, ratio: largeMs / emptyMs, largeChecks, quickCheckSmallMs, quickCheckLargeMs, databaseBytes };
    } finally {
      await empty.close();
      await large.close();
    }
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

export function formatLargeDb(m: LargeDbMeasurement): string {
  return [
    '| update | on a 500-hearing db (ms) | on a large db (ms) | large ÷ small | integrity check, large db runs | large db, snapshot forced (ms) | full quick_check small / large (ms) | hearings | db MB |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${m.updateRecords} | ${m.emptyMs.toFixed(0)} | ${m.largeMs.toFixed(0)} | ${m.ratio.toFixed(2)} | ${m.largeChecks} | ${m.largeWithSnapshotMs.toFixed(0)} | ${m.quickCheckSmallMs.toFixed(0)} / ${m.quickCheckLargeMs.toFixed(0)} | ${m.hearings.toLocaleString('en-US')} | ${(m.databaseBytes / 1024 / 1024).toFixed(0)} |`,
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(formatLargeDb(await measureUpdateOnLargeDb(Number(process.argv[2] ?? 200_000))));
}
