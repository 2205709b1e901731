import { measureFloor, measureUpdate, type EngineMeasurement } from './engine.js';

/**
 * `npm run bench`: the engine's speed targets (issue 2), measured in one process so the ratios
 * compare like with like. Not a test: these numbers move with the machine's load.
 */
const SIZES = (process.env.GATEHOUSE_BENCH_SIZES ?? '500,10000,100000').split(',').map(Number);

function row(m: EngineMeasurement): string {
  return `| ${m.records.toLocaleString('en-US')} | ${m.mode} | ${m.ms.toFixed(1)} | ${Math.round(m.recordsPerSecond).toLocaleString('en-US')} |`;
}

async function main(): Promise<void> {
  console.log('| records | mode | ms | records/s |\n|---:|---|---:|---:|');
  const ratios: string[] = [];
  for (const size of SIZES) {
    const batch = await measureUpdate(size, 'batch', 50);
    const allOrNothing = await measureUpdate(size, 'all-or-nothing', 50);
    const floor = await measureFloor(size);
    for (const m of [batch, allOrNothing, floor]) console.log(row(m));
    ratios.push(`| ${size.toLocaleString('en-US')} | ${(batch.ms / allOrNothing.ms).toFixed(2)} | ${(batch.ms / floor.ms).toFixed(2)} |`);
  }
  console.log('\n| records | batch ÷ all-or-nothing | batch ÷ floor |\n|---:|---:|---:|');
  for (const line of ratios) console.log(line);
  console.log(`\npeak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

await main();
