/**
 * Seeded randomness for synthetic run histories. Math.random is never used: the same seed gives
 * the same history on every machine, which is what makes the harness table and the tests
 * reproducible (STYLE: deterministic by construction).
 */

import { mulberry32, type Random } from '../../../shared/random.js';

export type { Random };
export const seededRandom = mulberry32;

/** Folds integers into one 32-bit seed, so each organisation and purpose gets its own stream. */
export function seedFrom(...parts: number[]): number {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    hash = Math.imul(hash ^ (part >>> 0), 0x01000193);
    hash ^= hash >>> 13;
    hash = Math.imul(hash, 0x5bd1e995);
  }
  return hash >>> 0;
}

export function standardNormal(random: Random): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Marsaglia–Tsang; shape < 1 by the boost u^(1/shape). */
export function gammaSample(random: Random, shape: number, scale: number): number {
  if (shape < 1) return gammaSample(random, shape + 1, scale) * Math.pow(Math.max(random(), 1e-12), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = standardNormal(random);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = random();
    if (Math.log(Math.max(u, 1e-300)) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * scale;
  }
}

/** Knuth below 30; Hörmann's PTRS above, so tails stay right at 5,000 records a day. */
export function poissonSample(random: Random, mean: number): number {
  if (mean <= 0) return 0;
  if (mean < 30) {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = random();
    while (p > limit) {
      k++;
      p *= random();
    }
    return k;
  }
  const b = 0.931 + 2.53 * Math.sqrt(mean);
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = random() - 0.5;
    const v = Math.max(random(), 1e-300);
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -mean + k * Math.log(mean) - logFactorial(k)) return k;
  }
}

function logFactorial(k: number): number {
  if (k < 2) return 0;
  // Stirling with two correction terms: exact to ~1e-10 beyond 10, plenty for sampling.
  if (k > 10) return (k + 0.5) * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * k) - 1 / (360 * k ** 3);
  let sum = 0;
  for (let i = 2; i <= k; i++) sum += Math.log(i);
  return sum;
}

/** Poisson–gamma: Var = mean + phi·mean², the overdispersed noise real daily counts show. */
export function negativeBinomialSample(random: Random, mean: number, phi: number): number {
  if (mean <= 0) return 0;
  if (phi <= 0) return poissonSample(random, mean);
  return poissonSample(random, gammaSample(random, 1 / phi, mean * phi));
}

export function binomialSample(random: Random, trials: number, p: number): number {
  if (p <= 0 || trials <= 0) return 0;
  if (p >= 1) return trials;
  let count = 0;
  for (let i = 0; i < trials; i++) if (random() < p) count++;
  return count;
}

/** A share that wobbles from run to run around `mean` (beta with the given concentration). */
export function betaSample(random: Random, mean: number, concentration: number): number {
  if (mean <= 0) return 0;
  const x = gammaSample(random, mean * concentration, 1);
  const y = gammaSample(random, (1 - mean) * concentration, 1);
  return x / (x + y);
}
