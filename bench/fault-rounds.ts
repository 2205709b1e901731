import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { runUpdate } from '../main/engine/index.js';
import { openSource } from '../main/sources/index.js';
import { openStore, type Store } from '../main/store/index.js';
import { mulberry32 } from '../shared/random.js';
import type { RunSummary } from '../shared/run.js';
import { domainRows, type DomainRows } from './domain-rows.js';
import { hearingsWrittenTwice } from './kill-resume.js';

/**
 * The fault soak's other two faults, in process (the kill -9 rounds drive the CLI: bench/soak.ts):
 * pg_terminate_backend on every session of the store, the lock's included, and a full disk on a
 * small tmpfs. Each round runs to the end, resuming whatever stopped, and is compared with a clean
 * run of the same records: rows lost and rows duplicated, by natural key, in every domain table.
 */
export interface FaultRound {
  fault: 'kill -9' | 'pg_terminate_backend' | 'disk full';
  seed: number;
  faults: number;
  attempts: number;
  lost: number;
  duplicated: number;
  hearingsWrittenTwice: number;
  statuses: string[];
}

/** Rows a clean run has that this database lacks (lost), and rows it has more often (duplicated). */
export function rowDifference(clean: DomainRows, found: DomainRows): { lost: number; duplicated: number } {
  let lost = 0;
  let duplicated = 0;
  for (const table of Object.keys(clean)) {
    const counts = new Map<string, number>();
    for (const line of clean[table]!) counts.set(line, (counts.get(line) ?? 0) + 1);
    for (const line of found[table] ?? []) counts.set(line, (counts.get(line) ?? 0) - 1);
    for (const left of counts.values()) {
      if (left > 0) lost += left;
      else duplicated -= left;
    }
  }
  return { lost, duplicated };
}

/** Runs (and resumes) the update to the end; `armFault` sets up the fault before each attempt. */
async function runToTheEnd(
  store: Store,
  spec: string,
  armFault: (attempt: number, firstBatch: Promise<void>) => void,
): Promise<{ attempts: number; statuses: string[] }> {
  const statuses: string[] = [];
  let resumeRunId: number | undefined;
  for (let attempt = 1; attempt <= 200; attempt += 1) {
    let firstBatchDone = () => {};
    const firstBatch = new Promise<void>((resolve) => (firstBatchDone = resolve));
    armFault(attempt, firstBatch);
    let summary: RunSummary | null = null;
    try {
      summary = await runUpdate({
        store,
        source: await openSource(spec),
        resumeRunId,
        onEvent: (event) => event.type === 'batch-finished' && firstBatchDone(),
      });
    } catch (error) {
      statuses.push(`error: ${(error as Error).message.split('\n')[0]}`);
    } finally {
      firstBatchDone();
    }
    if (summary) {
      statuses.push(summary.status);
      if (summary.status === 'success' || summary.status === 'partial') return { attempts: attempt, statuses };
      resumeRunId = summary.runId;
    }
    // A run whose writer lost its lock may still read `running`: the next start marks it interrupted.
    const latest = (await store.listRuns({ limit: 1 }))[0];
    if (latest && latest.status !== 'success') resumeRunId = latest.runId;
  }
  throw new Error(`${spec} did not finish after 200 attempts: ${statuses.slice(-5).join(', ')}`);
}

async function terminateEverySession(url: string, schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{ ended: boolean }>(
      'SELECT pg_terminate_backend(pid, 5000) AS ended FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
      [`gatehouse:${schema}`],
    );
    return rows.filter((row) => row.ended).length;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * One PostgreSQL round: `terminations` times, a seeded moment (0–`maxMs` ms) after an attempt's
 * first batch, every session of the store is terminated — the pool's and the writer lock's.
 */
export async function terminateRound(options: { url: string; spec: string; clean: DomainRows; seed: number; terminations: number; maxMs?: number }): Promise<FaultRound> {
  const schema = new URL(options.url).searchParams.get('schema')!;
  const random = mulberry32(options.seed);
  const store = await openStore(options.url);
  let faults = 0;
  try {
    const { attempts, statuses } = await runToTheEnd(store, options.spec, (_attempt, firstBatch) => {
      if (faults >= options.terminations) return;
      const delay = random() * (options.maxMs ?? 400);
      void firstBatch.then(() => new Promise((resolve) => setTimeout(resolve, delay))).then(async () => {
        if ((await terminateEverySession(options.url, schema)) > 0) faults += 1;
      });
    });
    const found = await domainRows(options.url);
    return { fault: 'pg_terminate_backend', seed: options.seed, faults, attempts, statuses, ...rowDifference(options.clean, found), hearingsWrittenTwice: (await hearingsWrittenTwice(options.url)).length };
  } finally {
    await store.close();
  }
}

/**
 * One disk-full round on SQLite: the database lives on a small tmpfs (`disk`, mounted by the
 * caller) that a filler file leaves a seeded 150–650 KB of; the run stops, the filler goes, the
 * run resumes to the end.
 */
export async function diskFullRound(options: { disk: string; spec: string; clean: DomainRows; seed: number }): Promise<FaultRound> {
  const random = mulberry32(options.seed);
  const db = path.join(options.disk, `round-${options.seed}.db`);
  const filler = path.join(options.disk, 'filler');
  const store = await openStore(db);
  let faults = 0;
  try {
    const { attempts, statuses } = await runToTheEnd(store, options.spec, (attempt) => {
      if (attempt === 1) {
        const stat = fs.statfsSync(options.disk);
        const leave = Math.round((150 + random() * 500) * 1024);
        fs.writeFileSync(filler, Buffer.alloc(Math.max(0, stat.bavail * stat.bsize - leave)));
      } else {
        fs.rmSync(filler, { force: true });
      }
    });
    faults = statuses.filter((status) => status === 'interrupted').length;
    const found = await domainRows(db);
    return { fault: 'disk full', seed: options.seed, faults, attempts, statuses, ...rowDifference(options.clean, found), hearingsWrittenTwice: (await hearingsWrittenTwice(db)).length };
  } finally {
    await store.close();
    fs.rmSync(filler, { force: true });
    for (const file of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(file, { force: true });
  }
}

/** Mounts an 8 MB tmpfs on `folder` (root only); null when it cannot, with the reason. */
export function mountSmallDisk(folder: string, size = '8m'): string | null {
  try {
    fs.mkdirSync(folder, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', folder], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return (error as Error).message.split('\n')[0]!;
  }
}

export function unmount(folder: string): void {
  execFileSync('umount', [folder], { stdio: 'pipe' });
}
