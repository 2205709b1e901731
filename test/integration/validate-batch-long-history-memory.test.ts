import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/**
 * A --batch line's history was held three times over while it was checked — the parsed runs, zod's
 * copies and the completed runs — some 9× the line in RSS at 60 MB. Checked a slice at a time in
 * place of the parsed runs, a line of 60,000 runs (8.5 MB) is judged in a 48 MB heap, where it ran
 * out of memory (it needed 50–60 MB; now 35–40).
 */
const RUNS = 60_000;

function run(day: number): string {
  const fetched = 1000 + ((day * 7919) % 200);
  return JSON.stringify({ startedAt: new Date(Date.UTC(2000, 0, 1) + day * 86_400_000).toISOString(), metrics: { fetched, added: day % 13, updated: day % 7, unchanged: fetched - (day % 13) - (day % 7), quarantined: 0, durationMs: 1000 + (day % 50) } });
}

describe('validate --batch on a long history', () => {
  it('judges a line of 60,000 runs in a 48 MB heap', () => {
    const history = Array.from({ length: RUNS }, (_, day) => run(day)).join(',');
    const line = `{"id":"long","history":[${history}],"current":${run(RUNS)}}\n`;
    const result = runCli(['validate', '--batch'], { input: line, env: { NODE_OPTIONS: '--max-old-space-size=48' } });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ id: 'long', verdict: 'ok', historySize: 2000 });
  });
});
