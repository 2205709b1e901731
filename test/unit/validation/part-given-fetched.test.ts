import { describe, expect, it } from 'vitest';
import { betaSample, binomialSample, negativeBinomialSample, seededRandom } from '../../../main/validation/historical/random.js';
import { tailScore } from '../../../main/validation/historical/distributions.js';
import { betaBinomialTail } from '../../../main/validation/historical/mix.js';
import { HistoryModel } from '../../../main/validation/index.js';
import type { HistoryEntry } from '../../../shared/validation.js';

const DAY_MS = 86_400_000;
/** Busy weekdays, quiet weekends (Sunday first). */
const WEEK = [0.1, 0.9, 1.1, 1.2, 1.1, 0.8, 0.1];

/** A 60-a-day stream whose added (15 %) and updated (20 %) shares wobble from run to run (beta, as real mixes do). */
function mixedStream(seed: number, days: number): HistoryEntry[] {
  const random = seededRandom(seed);
  const first = Date.parse('2024-01-01T07:00:00Z');
  return Array.from({ length: days }, (_, i) => {
    const time = first + i * DAY_MS;
    const fetched = negativeBinomialSample(random, 60 * WEEK[new Date(time).getUTCDay()]!, 0.06);
    const added = binomialSample(random, fetched, betaSample(random, 0.15, 60));
    const updated = binomialSample(random, fetched - added, betaSample(random, 0.2, 60) / 0.85);
    return { startedAt: new Date(time).toISOString(), metrics: { fetched, added, updated, unchanged: fetched - added - updated, quarantined: 0, durationMs: 800 + 10 * fetched } };
  });
}

function runWith(entry: HistoryEntry, fetched: number, added: number): HistoryEntry {
  const updated = Math.round(0.2 * fetched);
  return { startedAt: entry.startedAt, metrics: { ...entry.metrics, fetched, added, updated, unchanged: fetched - added - updated } };
}

/**
 * Added and updated are parts of fetched: with fetched low but in range, none new among its 32
 * records is an ordinary wobble of a 15 % share (about 1 in 200 under its beta), yet the added
 * count alone raised a near-zero alarm on it (development harness: 12 of 190 normal-day false
 * alarms were a part alone). None new among a full day's 110 records is still news.
 */
describe('a part of fetched judged given fetched', () => {
  // Day 198 is Wednesday 17 Jul 2024: about 70 records expected (in range from about 24), 11 of them new.
  it.each([1, 4])('lets no new records among a low day of 32 pass, and flags none among a full day of 110 (seed %i)', (seed) => {
    const runs = mixedStream(seed, 200);
    const model = HistoryModel.fromHistory(runs.slice(0, 198));
    const low = model.judge(runWith(runs[198]!, 32, 0));
    expect(low.anomalies.map((a) => `${a.metric}/${a.rule}`)).toEqual([]);
    const full = model.judge(runWith(runs[198]!, 110, 0));
    expect(full.anomalies.map((a) => a.metric)).toContain('added');
  });
});

/** The beta-binomial tail summed from k = 0, as the mix rules once did on up to 200 records. */
function tailFromZero(part: number, whole: number, share: number, rho: number): number {
  const a = (share * (1 - rho)) / rho;
  const b = ((1 - share) * (1 - rho)) / rho;
  let pmf = 1;
  for (let i = 0; i < whole; i++) pmf *= (b + i) / (a + b + i);
  let tail = 0;
  for (let k = 0; k <= whole; k++) {
    if (k >= part) tail += pmf;
    pmf *= ((whole - k) * (a + k)) / ((k + 1) * (b + whole - k - 1));
  }
  return tail;
}

/**
 * A share skews like its beta: on hundreds of records the share's own wobble is the spread, and
 * the symmetric normal band the mix rules used above 200 records overstated a high share's
 * surprise (189 of 373 new where 22 % usually are: 4.25 sigma under it). The tail is now summed
 * exactly at every size, from the observed count outward so thousands of records do not underflow.
 */
describe('the share tail at every size', () => {
  it('matches the plain sum on a few records and stays finite on thousands', () => {
    expect(betaBinomialTail('high', 45, 61, { share: 0.335, rho: 0.025 })).toBeCloseTo(tailFromZero(45, 61, 0.335, 0.025), 12);
    expect(tailScore(betaBinomialTail('high', 189, 373, { share: 0.222, rho: 0.024 })!)).toBeLessThan(3.7);
    const huge = betaBinomialTail('low', 800, 5000, { share: 0.3, rho: 0.02 })!;
    expect(huge).toBeGreaterThan(0);
    expect(huge).toBeLessThan(0.05);
  });
});
