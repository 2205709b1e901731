import { mulberry32 } from '../shared/random.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPostgresUrl, openStore } from '../main/store/index.js';
import { domainFingerprint, withReader } from './domain-rows.js';

/**
 * Kill -9 at seeded random moments, resume with `update --resume ID` until the run finishes:
 * the crash-safety proof (test/integration/crash-resume.test.ts) and the soak (bench/soak.ts)
 * share this. It drives the built CLI (`npm run build` first), as an operator would, on a SQLite
 * file or a `postgres://…?schema=NAME` URL alike.
 */
function findCli(): string {
  let folder = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i += 1) {
    const candidate = path.join(folder, 'bin', 'gatehouse.js');
    if (fs.existsSync(candidate)) return candidate;
    folder = path.dirname(folder);
  }
  throw new Error('bin/gatehouse.js not found above this file');
}

/** GATEHOUSE_CLI points the proof at another build (e.g. a private `tsc --outDir`); default: this checkout's. */
export const CLI = process.env.GATEHOUSE_CLI ?? findCli();

export interface RunRow {
  runId: number;
  status: string;
  metrics: Record<string, number>;
  resumedFrom?: number | null;
}

/** The same seed kills at the same moments. */
export const seededRandom = mulberry32;

/** The runs in a SQLite file (none if it does not exist yet) or a PostgreSQL schema, newest first. */
export function listRuns(db: string): RunRow[] {
  if (!isPostgresUrl(db) && !fs.existsSync(db)) return [];
  const result = spawnSync(process.execPath, [CLI, 'runs', 'list', '--db', db, '--json'], { encoding: 'utf8' });
  // A PostgreSQL schema no update has created yet: no runs, as for a SQLite file that is not there.
  if (result.status === 6 && result.stderr.includes('no database at')) return [];
  if (result.status !== 0) throw new Error(`runs list failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as RunRow[];
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** How often the checkpoint is looked at while waiting for a run's batches. */
const CHECKPOINT_POLL_MS = 20;

/** A run's checkpoint: the last batch it committed. */
export interface CheckpointMark {
  runId: number;
  batchSeq: number;
}

/**
 * The newest checkpoint; null before the database, its tables or any checkpoint exist. A run writes
 * its checkpoint in the same transaction as each batch.
 */
export async function latestCheckpoint(db: string): Promise<CheckpointMark | null> {
  if (!isPostgresUrl(db) && !fs.existsSync(db)) return null;
  try {
    const rows = await withReader(db, (query) => query('SELECT run_id, batch_seq FROM checkpoints ORDER BY run_id DESC, batch_seq DESC LIMIT 1'));
    return rows[0] === undefined ? null : { runId: Number(rows[0].run_id), batchSeq: Number(rows[0].batch_seq) };
  } catch {
    return null;
  }
}

/** Batches committed since `before`: by the same run (a resume), or by a new one, whose batches count from 1. */
function batchesSince(before: CheckpointMark | null, now: CheckpointMark): number {
  return before !== null && before.runId === now.runId ? now.batchSeq - before.batchSeq : now.batchSeq;
}

/**
 * Resolves true once this process has committed `count` batches (polled, so a fast run's batches are
 * counted by their numbers, not seen one by one), false if it exits first.
 */
async function untilBatchesCommitted(child: ChildProcess, db: string, before: CheckpointMark | null, count: number): Promise<boolean> {
  while (child.exitCode === null && child.signalCode === null) {
    const now = await latestCheckpoint(db);
    if (now !== null && batchesSince(before, now) >= count) return true;
    await new Promise((resolve) => setTimeout(resolve, CHECKPOINT_POLL_MS));
  }
  return false;
}

/**
 * When a signal is sent: `ms` after this process committed its `batches`-th batch. Timed from the
 * run's progress, never from process start, which on a loaded machine can land before the run even
 * exists; and counted in batches, because a milliseconds window alone outlasts a whole run on a
 * fast machine (adaptive batches finish 20,000 records within a second here).
 */
export interface SignalMoment {
  batches?: number;
  ms?: number;
}

/** Starts `update`; with a signal, sends it at `at` (see SignalMoment). `env` is added to the child's environment. */
export async function updateWithSignal(db: string, source: string, extra: string[], signal: NodeJS.Signals | null, at: SignalMoment = {}, env: NodeJS.ProcessEnv = {}): Promise<Exit> {
  const before = signal ? await latestCheckpoint(db) : null;
  const child = spawn(process.execPath, [CLI, 'update', '--db', db, '--source', source, '--json', ...extra], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<Exit>((resolve) => child.on('close', (code, exitSignal) => resolve({ code, signal: exitSignal, stdout, stderr })));
  if (signal && (await untilBatchesCommitted(child, db, before, at.batches ?? 1))) {
    // A run that already finished is not interrupted by the signal: skip it rather than hit the
    // process while it closes (the run would read as finished, with a dead writer's lock left).
    const timer = setTimeout(() => void newestRunStatus(db).then((status) => status === 'running' && child.kill(signal)), at.ms ?? 0);
    void exited.then(() => clearTimeout(timer));
  }
  return exited;
}

async function newestRunStatus(db: string): Promise<string | null> {
  const rows = await withReader(db, (query) => query('SELECT status FROM runs ORDER BY id DESC LIMIT 1'));
  return rows[0] === undefined ? null : String(rows[0].status);
}

export interface KillChainResult {
  /** Kills that stopped the run mid-way (a kill that lands as a finished run closes is not one). */
  kills: number;
  /** Kills that landed after the run had finished, while its process was closing. */
  lateKills: number;
  attempts: number;
  /** Resumes that began with the run still marked `running`: the killed process's orphan, found by `update`. */
  orphansResumed: number;
  run: RunRow;
  runs: RunRow[];
}

/**
 * Where the crash tests and the soak kill: 0–200 ms after the 1st to 4th batch of an attempt. Adaptive
 * batches double from 50, so a kill can fall anywhere from the second batch to the last; a window of
 * milliseconds after the first checkpoint alone outlasted a whole 20,000-record run on a quiet machine.
 */
export const MID_RUN_KILLS = { minMs: 0, maxMs: 200, maxBatches: 4 } as const;

/**
 * Runs `update` on `source`, SIGKILLing it `kills` times, resuming the killed run each time, then
 * lets it finish. Each kill lands at a moment drawn from `seed`: after 1 to `maxBatches` batches of
 * that attempt, then `minMs` to `maxMs` later. A kill that lands after the process already exited
 * does not count.
 */
export async function killAndResumeUntilDone(options: {
  db: string;
  source: string;
  kills: number;
  seed: number;
  minMs?: number;
  maxMs?: number;
  maxBatches?: number;
  extraArgs?: string[];
  /** Added to each `update` process's environment. */
  env?: NodeJS.ProcessEnv;
}): Promise<KillChainResult> {
  const random = seededRandom(options.seed);
  const minMs = options.minMs ?? 0;
  const maxMs = options.maxMs ?? 600;
  const maxBatches = options.maxBatches ?? 1;
  let kills = 0;
  let lateKills = 0;
  let orphansResumed = 0;
  for (let attempts = 1; attempts < options.kills * 4 + 10; attempts += 1) {
    const runs = listRuns(options.db);
    const done = runs.find((run) => run.status === 'success' || run.status === 'partial');
    if (done) return { kills, lateKills, attempts: attempts - 1, orphansResumed, run: done, runs };
    const current = runs[0];
    const resume = current ? ['--resume', String(current.runId)] : [];
    if (current?.status === 'running') orphansResumed += 1;
    const killNow = kills < options.kills;
    const at = { batches: 1 + Math.floor(random() * maxBatches), ms: minMs + random() * (maxMs - minMs) };
    const exit = await updateWithSignal(options.db, options.source, [...resume, ...(options.extraArgs ?? [])], killNow ? 'SIGKILL' : null, at, options.env);
    if (exit.signal === 'SIGKILL' && (await newestRunStatus(options.db)) === 'running') kills += 1;
    else if (exit.signal === 'SIGKILL') lateKills += 1;
    // 3 is a partial run: finished, with quarantined records, as a source holding bad ones ends.
    else if (exit.code !== 0 && exit.code !== 3) throw new Error(`update exited ${exit.code}: ${exit.stderr.trim()}`);
  }
  throw new Error(`the run did not finish after ${options.kills} kills`);
}

/** Per domain table: row count and hash of its rows by natural key, on either backend. */
export const fingerprint = domainFingerprint;

/** Hearings whose journal says one run wrote them more than once (must be none). */
export async function hearingsWrittenTwice(db: string): Promise<string[]> {
  const rows = await withReader(db, (query) =>
    query("SELECT entity_key FROM undo_journal WHERE entity = 'hearing' GROUP BY run_id, entity_key HAVING count(*) > 1 ORDER BY entity_key"),
  );
  return rows.map((row) => String(row.entity_key));
}

/** The row naming the lock holder: gone once a writer released the lock. */
export function writerLockRows(db: string): Promise<unknown[]> {
  return withReader(db, (query) => query('SELECT * FROM writer_lock'));
}

/**
 * Whether another writer can take the lock now (and nobody is left to take it over from):
 * on PostgreSQL this is the advisory lock, which only a dead or finished session gives up.
 */
export async function writerLockFree(db: string): Promise<boolean> {
  const store = await openStore(db);
  try {
    const attempt = await store.acquireWriterLock({ runId: null, pid: process.pid, host: os.hostname() }, { now: new Date(), staleAfterMs: 2 * 60_000 });
    return attempt.acquired && !attempt.tookOverFrom;
  } finally {
    await store.releaseWriterLock();
    await store.close();
  }
}

/** The metrics that must match a clean run (duration never does). */
export function comparableMetrics(metrics: Record<string, number>): Record<string, number> {
  const { durationMs: _duration, ...rest } = metrics;
  return rest;
}
