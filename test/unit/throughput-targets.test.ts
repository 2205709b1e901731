import { describe, expect, it } from 'vitest';
import { sweepTargets, type SweepOptions, type SweepRow } from '../../bench/throughput.js';

const options: SweepOptions = {
  records: 1000, backends: ['sqlite'], sizes: [50], ceiling: 5000, badEvery: 100, rounds: 2,
  postgresUrl: 'postgres://unused', cases: new Set(['floor', 'adaptive']),
};

function row(round: number, label: string, ms: number, cpuMs: number): SweepRow {
  return { round, backend: 'sqlite', label, commitEvery: null, ms, cpuMs, recordsPerSecond: 0, bytesPerRecord: 0, quarantined: 0 };
}

describe('throughput targets', () => {
  it('judges on wall time and shows the CPU time ratio of each round beside it', () => {
    // Wall time swung with the load in the second round; CPU did not.
    const rows = [
      row(0, 'floor, one transaction', 1000, 800), row(0, 'adaptive 50→5000', 1200, 880),
      row(1, 'floor, one transaction', 1000, 800), row(1, 'adaptive 50→5000', 2600, 960),
    ];
    const line = sweepTargets(rows, options).split('\n').find((l) => l.includes('one-transaction floor'));
    expect(line).toBe('| sqlite | adaptive ÷ one-transaction floor (time) ≤ 1.25 | 1.90 | 1.20 / 2.60 | 1.15: 1.10 / 1.20 | no |');
  });
});
