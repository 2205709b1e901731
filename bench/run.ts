import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench`: the engine's speed and memory targets (issues 2 and 3), each measurement in a
 * child process so peak RSS is its own. Not a test: these numbers move with the machine's load.
 */
const SIZES = (process.env.GATEHOUSE_BENCH_SIZES ?? '500,10000,100000').split(',').map(Number);
const here = path.dirname(fileURLToPath(import.meta.url));

interface Measurement {
  records: number;
  mode: string;
  ms: number;
  recordsPerSecond: number;
  peakRssMb: number;
}

function measure(kind: string, records: number, ...rest: string[]): Measurement | null {
  try {
    const output = execFileSync(process.execPath, [path.join(here, 'measure-one.js'), kind, String(records), ...rest], { encoding: 'utf8' });
    return JSON.parse(output) as Measurement;
  } catch (error) {
    console.log(`(${kind} ${records} skipped: ${(error as Error).message.split('\n')[0]})`);
    return null;
  }
}

const format = (n: number) => Math.round(n).toLocaleString('en-US');

console.log('| records | mode | ms | records/s | peak RSS MB |\n|---:|---|---:|---:|---:|');
const ratios: string[] = [];
for (const size of SIZES) {
  const [batch, allOrNothing, floor, postgres] = ['batch', 'all-or-nothing', 'floor', 'postgres'].map((kind) => measure(kind, size));
  for (const m of [batch, allOrNothing, floor, postgres]) {
    if (m) console.log(`| ${format(m.records)} | ${m.mode} | ${m.ms.toFixed(1)} | ${format(m.recordsPerSecond)} | ${m.peakRssMb.toFixed(0)} |`);
  }
  if (batch && allOrNothing && floor) {
    const sqliteOverPostgres = postgres ? (batch.recordsPerSecond / postgres.recordsPerSecond).toFixed(2) : 'n/a';
    ratios.push(`| ${format(size)} | ${(batch.ms / allOrNothing.ms).toFixed(2)} | ${(batch.ms / floor.ms).toFixed(2)} | ${sqliteOverPostgres} |`);
  }
}
console.log('\n| records | batch ÷ all-or-nothing (time) | batch ÷ floor (time) | SQLite ÷ PostgreSQL (records/s) |\n|---:|---:|---:|---:|');
for (const line of ratios) console.log(line);

// Peak RSS of one batch run of 1,000,000 hearings (issue 12: < 400 MB). A few minutes;
// GATEHOUSE_BENCH_MILLION=0 skips it.
if (process.env.GATEHOUSE_BENCH_MILLION !== '0') {
  const million = measure('batch', 1_000_000);
  const { resumed, rolledBack } = resumeThenRollBack(1_000_000);
  console.log('\n| batch run of 1,000,000 hearings | ms | peak RSS MB (target < 400) |\n|---|---:|---:|');
  if (million) console.log(`| SQLite | ${format(million.ms)} | ${million.peakRssMb.toFixed(0)} |`);
  if (resumed) console.log(`| SQLite, stopped at 90 % and resumed (the resuming process) | ${format(resumed.ms)} | ${resumed.peakRssMb.toFixed(0)} |`);
  if (rolledBack) console.log(`| SQLite, that whole run rolled back (no target) | ${format(rolledBack.ms)} | ${rolledBack.peakRssMb.toFixed(0)} |`);
}

/** A run stopped at 90 % by its signal, resumed, then rolled back, each in a process of its own: what each costs. */
function resumeThenRollBack(records: number): { resumed: Measurement | null; rolledBack: Measurement | null } {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
  try {
    const database = path.join(folder, 'resume.db');
    const resumed = measure('interrupt', records, database) && measure('resume', records, database);
    return { resumed, rolledBack: resumed && measure('rollback', records, database) };
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

// Throughput (issue 12): fixed sizes, adaptive, all-or-nothing and 1 % bad records against a floor
// per backend. `npm run bench -- --records 20000` for a short run; GATEHOUSE_BENCH_SWEEP=0 skips it.
if (process.env.GATEHOUSE_BENCH_SWEEP !== '0') {
  const { printSweep, sweepOptionsFrom } = await import('./throughput.js');
  await printSweep(sweepOptionsFrom(process.argv.slice(2)));
}

// Historical validation (issue 5): one run judged against 3 years of daily history, target < 5 ms.
{
  const { measureValidationSpeed, formatSpeed } = await import('./validation/speed.js');
  console.log(`\n${formatSpeed(await measureValidationSpeed())}`);
}

// validate --batch on one long line (4, 37 and 70 MB, the last over the 64 MiB line limit): ms per MB
// stays flat when the cost grows with the input alone. GATEHOUSE_BENCH_LONG_LINE=0 skips it.
if (process.env.GATEHOUSE_BENCH_LONG_LINE !== '0') {
  const { formatLongLines, measureLongLines } = await import('./validate-long-line.js');
  console.log(`\n${formatLongLines(measureLongLines())}`);
}

// The crash-safety soak (issue 4): 200 SIGKILLs at seeded moments, each round resumed to the end
// and compared with a clean run. Minutes long; GATEHOUSE_BENCH_SOAK=0 skips it.
if (process.env.GATEHOUSE_BENCH_SOAK !== '0') {
  const { soak } = await import('./soak.js');
  const result = await soak({ kills: 200 });
  console.log('\n| soak | kills | rounds | identical to a clean run and reconciled | written twice | seconds |\n|---|---:|---:|---|---:|---:|');
  const twice = result.rounds.reduce((sum, round) => sum + round.hearingsWrittenTwice, 0);
  console.log(`| ${result.passed ? 'passed' : 'FAILED'} | ${result.kills} | ${result.rounds.length} | ${result.rounds.every((r) => r.identical && r.metricsMatch && r.status === 'success') ? 'yes' : 'no'} | ${twice} | ${(result.durationMs / 1000).toFixed(0)} |`);
}

// A 500-record update on a large database vs a small one when no snapshot is due (issue 12 #6).
// GATEHOUSE_BENCH_LARGE_DB sets the large database's hearings (default 200000; 0 skips it).
if (process.env.GATEHOUSE_BENCH_LARGE_DB !== '0') {
  const { formatLargeDb, measureUpdateOnLargeDb } = await import('./update-on-large-db.js');
  console.log(`\n${formatLargeDb(await measureUpdateOnLargeDb(Number(process.env.GATEHOUSE_BENCH_LARGE_DB ?? 200_000)))}`);
}

// The CLI's cold start (--help, runs list on SQLite, flags list on PostgreSQL) beside a bare `node -e 0`:
// every command, cron line and test call pays it. GATEHOUSE_BENCH_CLI_START=0 skips it.
if (process.env.GATEHOUSE_BENCH_CLI_START !== '0') {
  const { formatCliStart, measureCliStart } = await import('./cli-start.js');
  console.log(`\n${formatCliStart(await measureCliStart())}`);
}
