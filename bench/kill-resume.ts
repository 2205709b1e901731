import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

/**
 * Kill -9 at seeded random moments, resume with `update --resume ID` until the run finishes:
 * the crash-safety proof (test/integration/crash-resume.test.ts) and the soak (bench/soak.ts)
 * share this. It drives the built CLI (`npm run build` first), as an operator would.
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

export const CLI = findCli();

export interface RunRow {
  runId: number;
  status: string;
  metrics: Record<string, number>;
  resumedFrom?: number | null;
}

/** A small seeded generator (mulberry32): the same seed kills at the same moments. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function listRuns(db: string): RunRow[] {
  if (!fs.existsSync(db)) return [];
  const result = spawnSync(process.execPath, [CLI, 'runs', 'list', '--db', db, '--json'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`runs list failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as RunRow[];
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `update`; sends `signal` after `afterMs` unless it has exited by then. */
export function updateWithSignal(db: string, source: string, extra: string[], signal: NodeJS.Signals | null, afterMs: number): Promise<Exit> {
  const child = spawn(process.execPath, [CLI, 'update', '--db', db, '--source', source, '--json', ...extra]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = signal ? setTimeout(() => child.kill(signal), afterMs) : null;
  return new Promise((resolve) => {
    child.on('close', (code, exitSignal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal: exitSignal, stdout, stderr });
    });
  });
}

export interface KillChainResult {
  kills: number;
  attempts: number;
  run: RunRow;
  runs: RunRow[];
}

/**
 * Runs `update` on `source`, SIGKILLing it `kills` times at moments drawn from `seed` between
 * `minMs` and `maxMs` after start, resuming the killed run each time, then lets it finish.
 * A kill that lands after the process already exited does not count.
 */
export async function killAndResumeUntilDone(options: {
  db: string;
  source: string;
  kills: number;
  seed: number;
  minMs?: number;
  maxMs?: number;
  extraArgs?: string[];
}): Promise<KillChainResult> {
  const random = seededRandom(options.seed);
  const minMs = options.minMs ?? 150;
  const maxMs = options.maxMs ?? 900;
  let kills = 0;
  for (let attempts = 1; attempts < options.kills * 4 + 10; attempts += 1) {
    const runs = listRuns(options.db);
    const done = runs.find((run) => run.status === 'success' || run.status === 'partial');
    if (done) return { kills, attempts: attempts - 1, run: done, runs };
    const current = runs[0];
    const resume = current ? ['--resume', String(current.runId)] : [];
    const killNow = kills < options.kills;
    const exit = await updateWithSignal(options.db, options.source, [...resume, ...(options.extraArgs ?? [])], killNow ? 'SIGKILL' : null, minMs + random() * (maxMs - minMs));
    if (exit.signal === 'SIGKILL') kills += 1;
    else if (exit.code !== 0) throw new Error(`update exited ${exit.code}: ${exit.stderr.trim()}`);
  }
  throw new Error(`the run did not finish after ${options.kills} kills`);
}

const FINGERPRINT_QUERIES: Record<string, string> = {
  hearings: `SELECT event_id, congress, chamber, meeting_type, meeting_status, title, starts_at, update_date, room, building,
    address, content_hash, content_json FROM hearings ORDER BY event_id`,
  hearing_committees: 'SELECT event_id, system_code, is_primary, ordinal FROM hearing_committees ORDER BY event_id, system_code',
  committees: 'SELECT system_code, name, chamber, parent_code FROM committees ORDER BY system_code',
  witnesses: 'SELECT normalized_name, organization_key, name, organization FROM witnesses ORDER BY normalized_name, organization_key',
  appearances: `SELECT a.event_id, w.normalized_name, w.organization_key, a.ordinal, a.position FROM appearances a
    JOIN witnesses w ON w.id = a.witness_id ORDER BY a.event_id, a.ordinal`,
  videos: 'SELECT event_id, ordinal, name, url FROM videos ORDER BY event_id, ordinal',
  transcripts: 'SELECT event_id, ordinal, jacket_number, url FROM transcripts ORDER BY event_id, ordinal',
};

/** Per domain table: row count and sha256 of its rows by natural key (witness ids left out). */
export function sqliteFingerprint(db: string): Record<string, { rows: number; sha256: string }> {
  const connection = new Database(db, { readonly: true });
  try {
    return Object.fromEntries(
      Object.entries(FINGERPRINT_QUERIES).map(([table, sql]) => {
        const hash = crypto.createHash('sha256');
        const rows = connection.prepare(sql).raw().all() as unknown[][];
        for (const row of rows) hash.update(`${JSON.stringify(row)}\n`);
        return [table, { rows: rows.length, sha256: hash.digest('hex') }];
      }),
    );
  } finally {
    connection.close();
  }
}

/** Hearings whose journal says they were written more than once (must be none). */
export function hearingsWrittenTwice(db: string): string[] {
  const connection = new Database(db, { readonly: true });
  try {
    return connection
      .prepare("SELECT entity_key FROM undo_journal WHERE entity = 'hearing' GROUP BY run_id, entity_key HAVING count(*) > 1")
      .pluck()
      .all() as string[];
  } finally {
    connection.close();
  }
}

export function writerLockRows(db: string): unknown[] {
  const connection = new Database(db, { readonly: true });
  try {
    return connection.prepare('SELECT * FROM writer_lock').all();
  } finally {
    connection.close();
  }
}

/** The metrics that must match a clean run (duration never does). */
export function comparableMetrics(metrics: Record<string, number>): Record<string, number> {
  const { durationMs: _duration, ...rest } = metrics;
  return rest;
}
