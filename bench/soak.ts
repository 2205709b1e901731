import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { comparableMetrics, fingerprint, hearingsWrittenTwice, killAndResumeUntilDone, listRuns, updateWithSignal } from './kill-resume.js';

export interface SoakRound {
  seed: number;
  kills: number;
  attempts: number;
  identical: boolean;
  metricsMatch: boolean;
  hearingsWrittenTwice: number;
}

export interface SoakResult {
  kills: number;
  rounds: SoakRound[];
  /** Every round ended identical to the clean run, with matching metrics and nothing written twice. */
  passed: boolean;
  durationMs: number;
}

/**
 * The long crash-safety soak: at least `kills` (200) SIGKILLs at seeded random moments. One
 * 20,000-record run finishes after some 70–80 short-lived attempts, so the soak runs rounds, each
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
    const cleanExit = await updateWithSignal(clean, source, [], null, 0);
    if (cleanExit.code !== 0) throw new Error(`clean run failed: ${cleanExit.stderr}`);
    const cleanMetrics = comparableMetrics(listRuns(clean)[0]!.metrics);
    const cleanFingerprint = await fingerprint(clean);
    const rounds: SoakRound[] = [];
    let kills = 0;
    for (let round = 0; kills < target; round += 1) {
      const seed = (options.seed ?? 2026) + round;
      const db = path.join(folder, `killed-${round}.db`);
      const chain = await killAndResumeUntilDone({ db, source, kills: target - kills, seed, minMs: 150, maxMs: 700 });
      const result: SoakRound = {
        seed,
        kills: chain.kills,
        attempts: chain.attempts,
        identical: isDeepStrictEqual(cleanFingerprint, await fingerprint(db)),
        metricsMatch: isDeepStrictEqual(cleanMetrics, comparableMetrics(chain.run.metrics)),
        hearingsWrittenTwice: (await hearingsWrittenTwice(db)).length,
      };
      rounds.push(result);
      log(`soak round ${round}: ${JSON.stringify(result)}`);
      kills += chain.kills;
      fs.rmSync(db, { force: true });
      fs.rmSync(`${db}.backups`, { recursive: true, force: true });
    }
    const passed = rounds.every((r) => r.identical && r.metricsMatch && r.hearingsWrittenTwice === 0);
    return { kills, rounds, passed, durationMs: Date.now() - started };
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}
