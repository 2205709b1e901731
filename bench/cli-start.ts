import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from 'simple-statistics';
import { benchSchemaUrl, dropSchema, postgresBenchUrl } from './postgres.js';

/**
 * The CLI's cold start: every `gatehouse` command (an operator's script, the scheduler's cron line,
 * the tests' hundreds of calls) pays it before doing anything. Median wall time and user CPU of a
 * few runs each of `--help`, `runs list --json` on a small SQLite file and `flags list --json` on
 * PostgreSQL, for the installed command (bin/gatehouse.js, the bundle in dist/cli) beside tsc's
 * unbundled dist/main/cli.js and the floor, a bare `node -e 0`. Target: ≤ 0.35 s user CPU.
 * `node dist/bench/cli-start.js [runs]`.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../..');
const INSTALLED = path.join(ROOT, 'bin/gatehouse.js');
const UNBUNDLED = path.join(ROOT, 'dist/main/cli.js');

export interface StartTime {
  command: string;
  wallMs: number;
  /** null where the system does not say (user CPU of children is read from /proc/self/stat). */
  userMs: number | null;
}

/** User CPU of this process's waited-for children so far, in ms (Linux); null elsewhere. */
function childrenUserMs(): number | null {
  try {
    // Fields after the parenthesised command name; cutime is field 16 of the whole line, in clock ticks (100 per second on Linux).
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[13]) * 10;
  } catch {
    return null;
  }
}

function timeStarts(command: string, args: string[], runs: number, env: Record<string, string>): StartTime {
  const walls: number[] = [];
  const users: number[] = [];
  for (let i = 0; i < runs; i++) {
    const userBefore = childrenUserMs();
    const started = performance.now();
    node(command, args, env);
    walls.push(performance.now() - started);
    const userAfter = childrenUserMs();
    if (userBefore !== null && userAfter !== null) users.push(userAfter - userBefore);
  }
  return { command, wallMs: median(walls), userMs: users.length ? median(users) : null };
}

/** `node args`, waited for; throws naming `command` unless it exits 0. */
function node(command: string, args: string[], env: Record<string, string>): void {
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`${command} exited ${result.status}: ${result.stderr.slice(-500)}`);
}

function cli(args: string[], env: Record<string, string>): void {
  node(`gatehouse ${args.join(' ')}`, [INSTALLED, ...args], env);
}

export async function measureCliStart(runs = 10): Promise<StartTime[]> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cli-start-'));
  const env = { GATEHOUSE_DATA: path.join(folder, 'data') };
  const database = path.join(folder, 'small.db');
  const pgUrl = postgresBenchUrl();
  const schema = `gh_bench_start_${process.pid}`;
  const pgLocation = benchSchemaUrl(pgUrl, schema);
  try {
    cli(['update', '--db', database, '--source', 'synthetic:seed=1,count=200', '--json'], env);
    let postgres = true;
    try {
      cli(['update', '--db', pgLocation, '--source', 'synthetic:seed=1,count=200', '--json'], env);
    } catch (error) {
      console.log(`(flags list on PostgreSQL skipped: ${(error as Error).message.split('\n')[0]})`);
      postgres = false;
    }
    const times: StartTime[] = [timeStarts('node -e 0 (the floor)', ['-e', '0'], runs, env)];
    for (const [label, script] of [['gatehouse', INSTALLED], ['dist/main/cli.js (unbundled)', UNBUNDLED]] as const) {
      times.push(timeStarts(`${label} --help`, [script, '--help'], runs, env));
      times.push(timeStarts(`${label} runs list --json (SQLite)`, [script, 'runs', 'list', '--db', database, '--json'], runs, env));
      if (postgres) times.push(timeStarts(`${label} flags list --json (PostgreSQL)`, [script, 'flags', 'list', '--db', pgLocation, '--json'], runs, env));
    }
    return times;
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
    await dropSchema(pgUrl, schema).catch(() => {});
  }
}

export function formatCliStart(times: StartTime[]): string {
  const rows = times.map((t) => `| ${t.command} | ${t.wallMs.toFixed(0)} | ${t.userMs === null ? 'n/a' : t.userMs.toFixed(0)} |`);
  return ['| cold start (median) | wall ms | user CPU ms (target ≤ 350) |', '|---|---:|---:|', ...rows].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(formatCliStart(await measureCliStart(Number(process.argv[2] ?? 10))));
}
