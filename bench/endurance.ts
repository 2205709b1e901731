import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { timesBetween } from '../main/scheduler/index.js';
import { openStore } from '../main/store/index.js';
import type { RunSummary } from '../shared/run.js';
import { CLI } from './kill-resume.js';

/**
 * The endurance run for the closing note (not in `npm test`; `npm run build` first):
 *   node dist/bench/endurance.js [--db FILE|postgres://…] [--minutes 30] [--every 5] [--records 500]
 * Starts the headless `gatehouse scheduler` with one task firing every `--every` seconds for
 * `--minutes`, samples the scheduler process's RSS once a second, and prints RSS after its first
 * ten runs against its peak (the target: peak within 10 % of it), plus runs lost (an occurrence
 * of the schedule with no run) and overlapping (two runs whose times intersect).
 */
interface Options {
  db: string;
  minutes: number;
  every: number;
  records: number;
}

function parse(args: string[]): Options {
  const value = (name: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const db = value('--db') ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-endurance-')), 'gatehouse.db');
  const options = { db, minutes: Number(value('--minutes') ?? 30), every: Number(value('--every') ?? 5), records: Number(value('--records') ?? 500) };
  if (!(options.minutes > 0) || !Number.isInteger(options.every) || options.every < 1 || options.every > 59 || !(options.records > 0)) {
    throw new Error('usage: endurance [--db DB] [--minutes N>0] [--every 1–59 seconds] [--records N>0]');
  }
  return options;
}

function cli(db: string, args: string[]): void {
  const result = spawnSync(process.execPath, [CLI, ...args, '--db', db], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`gatehouse ${args.join(' ')} exited ${result.status}: ${result.stderr.trim()}`);
}

function rssMb(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

function overlapping(runs: RunSummary[]): number {
  const spans = runs.map((run) => [Date.parse(run.startedAt), Date.parse(run.finishedAt ?? run.startedAt)] as const).sort((a, b) => a[0] - b[0]);
  let count = 0;
  for (let i = 1; i < spans.length; i += 1) if (spans[i]![0] < spans[i - 1]![1]) count += 1;
  return count;
}

async function endurance(options: Options): Promise<void> {
  const cron = `*/${options.every} * * * * *`;
  // The same records every run: the first loads them, each later one reads and classifies them all (unchanged).
  cli(options.db, ['tasks', 'add', 'endurance', '--cron', cron, '--source', `synthetic:seed=5,count=${options.records}`]);
  const createdAt = new Date();
  const child = spawn(process.execPath, [CLI, 'scheduler', '--db', options.db], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const store = await openStore(options.db);
  const endAt = Date.now() + options.minutes * 60_000;
  let afterTen: number | null = null;
  let peak = 0;
  let runs: RunSummary[] = [];
  try {
    while (Date.now() < endAt && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const rss = rssMb(child.pid!);
      if (rss === null) break;
      runs = (await store.listRuns({ limit: 100_000 })).filter((run) => run.status !== 'running');
      if (afterTen === null && runs.length >= 10) afterTen = rss;
      if (afterTen !== null) peak = Math.max(peak, rss);
    }
    const stopAt = new Date();
    child.kill('SIGTERM');
    const code = await exited;
    runs = await store.listRuns({ limit: 100_000 });
    // The occurrence at the very end may be firing as the scheduler stops: it is not counted as lost.
    // Every time counted (a run of minutes holds hundreds, not the scheduler's capped thousands).
    const expected = timesBetween(cron, createdAt, new Date(stopAt.getTime() - options.every * 1_000), Number.MAX_SAFE_INTEGER)?.count ?? 0;
    const statuses = runs.reduce<Record<string, number>>((count, run) => ({ ...count, [run.status]: (count[run.status] ?? 0) + 1 }), {});
    console.log(`| backend | minutes | every s | runs | expected | lost | overlapping | statuses | RSS after 10 runs MB | peak RSS MB | peak ÷ after 10 | scheduler exit |`);
    console.log('|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|');
    console.log(
      `| ${store.backend} | ${options.minutes} | ${options.every} | ${runs.length} | ${expected} | ${Math.max(0, expected - runs.length)} | ${overlapping(runs)} | ${JSON.stringify(statuses)} | ${afterTen?.toFixed(1) ?? 'n/a'} | ${peak.toFixed(1)} | ${afterTen ? (peak / afterTen).toFixed(3) : 'n/a'} | ${code} |`,
    );
    if (code !== 0) console.error(stderr.trim());
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await store.close();
  }
}

await endurance(parse(process.argv.slice(2)));
