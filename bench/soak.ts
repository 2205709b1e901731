import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import { domainRows } from './domain-rows.js';
import { diskFullRound, mountSmallDisk, rowDifference, terminateRound, unmount, type FaultRound } from './fault-rounds.js';
import { comparableMetrics, fingerprint, hearingsWrittenTwice, killAndResumeUntilDone, listRuns, MID_RUN_KILLS, updateWithSignal } from './kill-resume.js';

export interface SoakRound {
  seed: number;
  kills: number;
  attempts: number;
  identical: boolean;
  metricsMatch: boolean;
  /** The resumed run's final status: `success`, as the clean run's, unless its cross-batch reconciliation failed (`partial`). */
  status: string;
  hearingsWrittenTwice: number;
  /** Domain rows of the clean run missing here, and rows here more often than in it. */
  lost: number;
  duplicated: number;
}

export interface SoakResult {
  kills: number;
  rounds: SoakRound[];
  /** Every round ended identical to the clean run, reconciled (`success`), with matching metrics and nothing written twice. */
  passed: boolean;
  durationMs: number;
}

/**
 * The long crash-safety soak: at least `kills` (200) SIGKILLs at seeded moments (MID_RUN_KILLS).
 * One 20,000-record run absorbs only so many kills before it finishes, so the soak runs rounds, each
 * a fresh database killed and resumed to the end and compared with a clean run of the same input.
 * Wired into `npm run bench`.
 */
export async function soak(options: { kills?: number; seed?: number; source?: string; log?: (line: string) => void } = {}): Promise<SoakResult> {
  const target = options.kills ?? 200;
  const source = options.source ?? 'synthetic:seed=7,count=20000';
  const log = options.log ?? (() => {});
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-soak-'));
  const started = Date.now();
  try {
    const clean = path.join(folder, 'clean.db');
    const cleanExit = await updateWithSignal(clean, source, [], null);
    if (cleanExit.code !== 0) throw new Error(`clean run failed: ${cleanExit.stderr}`);
    const cleanMetrics = comparableMetrics(listRuns(clean)[0]!.metrics);
    const cleanFingerprint = await fingerprint(clean);
    const cleanRows = await domainRows(clean);
    const rounds: SoakRound[] = [];
    let kills = 0;
    for (let round = 0; kills < target; round += 1) {
      const seed = (options.seed ?? 2026) + round;
      const db = path.join(folder, `killed-${round}.db`);
      const chain = await killAndResumeUntilDone({ db, source, kills: target - kills, seed, ...MID_RUN_KILLS });
      const result: SoakRound = {
        seed,
        kills: chain.kills,
        attempts: chain.attempts,
        identical: isDeepStrictEqual(cleanFingerprint, await fingerprint(db)),
        metricsMatch: isDeepStrictEqual(cleanMetrics, comparableMetrics(chain.run.metrics)),
        status: chain.run.status,
        hearingsWrittenTwice: (await hearingsWrittenTwice(db)).length,
        ...rowDifference(cleanRows, await domainRows(db)),
      };
      rounds.push(result);
      log(`soak round ${round}: ${JSON.stringify(result)}`);
      kills += chain.kills;
      fs.rmSync(db, { force: true });
      fs.rmSync(`${db}.backups`, { recursive: true, force: true });
    }
    const passed = rounds.every((r) => r.identical && r.metricsMatch && r.status === 'success' && r.hearingsWrittenTwice === 0);
    return { kills, rounds, passed, durationMs: Date.now() - started };
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * The fault soak for the closing note (not in `npm test`; `npm run build` first):
 *   node dist/bench/soak.js [--kills N] [--terminations N] [--disk-rounds N] [--records N]
 * kill -9 of `update` at random moments after a checkpoint with resume (SQLite, through the CLI);
 * pg_terminate_backend on every session of the store, the lock's included (PostgreSQL,
 * GATEHOUSE_PG_URL); a full 8 MB tmpfs (root only). Prints one line per fault: rows lost and
 * duplicated against a clean run of the same records — all must be 0.
 */
export async function faultSoak(options: { kills: number; terminations: number; diskRounds: number; records: number; log: (line: string) => void }): Promise<FaultRound[]> {
  const rounds: FaultRound[] = [];
  if (options.kills > 0) {
    const killed = await soak({ kills: options.kills, source: `synthetic:seed=7,count=${options.records}`, log: options.log });
    for (const round of killed.rounds) {
      rounds.push({ fault: 'kill -9', seed: round.seed, faults: round.kills, attempts: round.attempts, lost: round.lost, duplicated: round.duplicated, hearingsWrittenTwice: round.hearingsWrittenTwice, statuses: [round.status] });
    }
  }
  if (options.terminations > 0) rounds.push(...(await terminationRounds(options)));
  if (options.diskRounds > 0) rounds.push(...(await diskFullRounds(options)));
  return rounds;
}

async function terminationRounds(options: { terminations: number; records: number; log: (line: string) => void }): Promise<FaultRound[]> {
  const base = process.env.GATEHOUSE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const spec = `synthetic:seed=7,count=${options.records}`;
  const schemas: string[] = [];
  const at = (name: string) => {
    const url = new URL(base);
    const schema = `gh_soak_${process.pid}_${name}`;
    schemas.push(schema);
    url.searchParams.set('schema', schema);
    return url.toString();
  };
  const { openStore } = await import('../main/store/index.js');
  const { openSource } = await import('../main/sources/index.js');
  const { runUpdate } = await import('../main/engine/index.js');
  const rounds: FaultRound[] = [];
  try {
    const cleanUrl = at('clean');
    const cleanStore = await openStore(cleanUrl);
    await runUpdate({ store: cleanStore, source: await openSource(spec) }).finally(() => cleanStore.close());
    const clean = await domainRows(cleanUrl);
    for (let round = 0, done = 0; done < options.terminations; round += 1) {
      const result = await terminateRound({ url: at(`r${round}`), spec, clean, seed: 3000 + round, terminations: Math.min(5, options.terminations - done) });
      options.log(`terminate round ${round}: ${JSON.stringify(result)}`);
      rounds.push(result);
      done += Math.max(1, result.faults);
    }
  } finally {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
  return rounds;
}

async function diskFullRounds(options: { diskRounds: number; log: (line: string) => void }): Promise<FaultRound[]> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-diskfull-'));
  const disk = path.join(folder, 'disk');
  const cannot = mountSmallDisk(disk);
  if (cannot !== null) {
    options.log(`disk-full rounds skipped: cannot mount a tmpfs (${cannot})`);
    return [];
  }
  const spec = 'synthetic:seed=11,count=1000';
  const rounds: FaultRound[] = [];
  try {
    const cleanDb = path.join(folder, 'clean.db');
    const { openStore } = await import('../main/store/index.js');
    const { openSource } = await import('../main/sources/index.js');
    const { runUpdate } = await import('../main/engine/index.js');
    const cleanStore = await openStore(cleanDb);
    await runUpdate({ store: cleanStore, source: await openSource(spec) }).finally(() => cleanStore.close());
    const clean = await domainRows(cleanDb);
    for (let round = 0; round < options.diskRounds; round += 1) {
      const result = await diskFullRound({ disk, spec, clean, seed: 5000 + round });
      options.log(`disk-full round ${round}: ${JSON.stringify(result)}`);
      rounds.push(result);
    }
  } finally {
    unmount(disk);
    fs.rmSync(folder, { recursive: true, force: true });
  }
  return rounds;
}

function numberOption(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
}

function endedPartial(round: FaultRound): boolean {
  return round.statuses.at(-1) === 'partial';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const started = Date.now();
  const rounds = await faultSoak({
    kills: numberOption(args, '--kills', 20),
    terminations: numberOption(args, '--terminations', 10),
    diskRounds: numberOption(args, '--disk-rounds', 3),
    records: numberOption(args, '--records', 5000),
    log: (line) => console.error(line),
  });
  console.log('| fault | rounds | faults | attempts | rows lost | rows duplicated | hearings written twice | ended partial |\n|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const fault of ['kill -9', 'pg_terminate_backend', 'disk full'] as const) {
    const of = rounds.filter((round) => round.fault === fault);
    const sum = (key: 'faults' | 'attempts' | 'lost' | 'duplicated' | 'hearingsWrittenTwice') => of.reduce((total, round) => total + round[key], 0);
    console.log(`| ${fault} | ${of.length} | ${sum('faults')} | ${sum('attempts')} | ${sum('lost')} | ${sum('duplicated')} | ${sum('hearingsWrittenTwice')} | ${of.filter(endedPartial).length} |`);
  }
  console.log(`\n${((Date.now() - started) / 1000).toFixed(0)} s`);
  // A killed run resumed to the end must reconcile like the clean one: `partial` means its checks found it inconsistent.
  if (rounds.some((round) => round.lost + round.duplicated + round.hearingsWrittenTwice > 0 || (round.fault === 'kill -9' && endedPartial(round)))) process.exitCode = 1;
}
