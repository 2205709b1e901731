import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { median } from 'simple-statistics';

/**
 * Alternated pairs of two builds, the way a speed change is judged here: each pair runs measure-one.js
 * from the old and the new `dist` in separate processes, the old one first in odd pairs and the
 * new one first in even pairs. On a machine other helpers load, the load drifts within a minute:
 * with the same build first in every pair, eight pairs once put a build that only skipped the
 * journal insert ≈ 19 % ahead in CPU (7 of 8), and six pairs with it first put it ≈ 1 % ahead (4 of 6).
 *
 * Each side reports the process's CPU as /usr/bin/time counts it (start and module loading included,
 * so any two builds compare), and the run's own `cpuMs` where its measure-one.js prints it.
 *
 * Usage: node dist/bench/alternate.js OLD_DIST NEW_DIST [--kind adaptive] [--records 50000] [--pairs 6]
 */
interface Measured {
  ms: number;
  /** The run alone, when measure-one.js prints it. */
  runCpuMs: number | null;
  processCpuMs: number;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { kind: { type: 'string', default: 'adaptive' }, records: { type: 'string', default: '50000' }, pairs: { type: 'string', default: '6' } },
});
const [oldDist, newDist] = positionals;
if (oldDist === undefined || newDist === undefined) {
  console.error('Usage: node dist/bench/alternate.js OLD_DIST NEW_DIST [--kind adaptive] [--records 50000] [--pairs 6]');
  process.exit(2);
}

function measure(dist: string): Measured {
  const args = ['-f', 'process CPU %U %S', process.execPath, path.join(dist, 'bench', 'measure-one.js'), values.kind, values.records];
  const child = spawnSync('/usr/bin/time', args, { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`${dist}: measure-one.js failed: ${child.stderr}`);
  const { ms, cpuMs } = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { ms: number; cpuMs?: number };
  const times = /process CPU ([\d.]+) ([\d.]+)/.exec(child.stderr);
  if (times === null) throw new Error(`${dist}: /usr/bin/time printed no CPU: ${child.stderr}`);
  const processCpuMs = (Number(times[1]) + Number(times[2])) * 1000;
  return { ms, runCpuMs: cpuMs ?? null, processCpuMs };
}

const pairs: { old: Measured; new: Measured }[] = [];
for (let pair = 1; pair <= Number(values.pairs); pair++) {
  const oldFirst = pair % 2 === 1;
  const first = measure(oldFirst ? oldDist : newDist);
  const second = measure(oldFirst ? newDist : oldDist);
  const measured = oldFirst ? { old: first, new: second } : { old: second, new: first };
  pairs.push(measured);
  const cell = (m: Measured) => `CPU ${m.runCpuMs?.toFixed(0) ?? '–'} ms (process ${m.processCpuMs.toFixed(0)}), wall ${m.ms.toFixed(0)} ms`;
  console.log(`pair ${pair} (${oldFirst ? 'old' : 'new'} first): old ${cell(measured.old)} | new ${cell(measured.new)} | new ÷ old CPU ${cpuRatio(measured).toFixed(3)}`);
}

/** The runs' own CPU where both builds print it, else both processes' (never one of each). */
function cpuRatio(pair: { old: Measured; new: Measured }): number {
  const { old, new: next } = pair;
  return old.runCpuMs !== null && next.runCpuMs !== null ? next.runCpuMs / old.runCpuMs : next.processCpuMs / old.processCpuMs;
}

const cpuRatios = pairs.map(cpuRatio);
const wallRatios = pairs.map((p) => p.new.ms / p.old.ms);
const processRatios = pairs.map((p) => p.new.processCpuMs / p.old.processCpuMs);
console.log(
  `new lower in CPU: ${cpuRatios.filter((r) => r < 1).length} of ${pairs.length}; in wall: ${wallRatios.filter((r) => r < 1).length} of ${pairs.length}; ` +
    `median new ÷ old: CPU ${median(cpuRatios).toFixed(3)}, process CPU ${median(processRatios).toFixed(3)}, wall ${median(wallRatios).toFixed(3)}`,
);
