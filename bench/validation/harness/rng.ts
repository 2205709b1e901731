/**
 * The harness's and the audit world's randomness: sfc32 (Chris Doty-Humphrey's small fast counter
 * generator) seeded through splitmix32, and the samplers the audit world needs. Nothing here is
 * shared with the validator, whose synthetic history (and so the development world) draws from
 * main/validation's own generator — the audit must not inherit its assumptions, down to the
 * random numbers.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createRng(...seedParts: number[]): Rng {
  let seed = 0x2545f491;
  for (const part of seedParts) seed = Math.imul(seed ^ (part >>> 0), 0x27d4eb2d) ^ (seed >>> 15);
  const mix = splitmix32(seed);
  let a = mix();
  let b = mix();
  let c = mix();
  let d = mix();
  const rng = {
    next(): number {
      const t = (((a + b) >>> 0) + d) >>> 0;
      d = (d + 1) >>> 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) >>> 0;
      c = ((c << 21) | (c >>> 11)) >>> 0;
      c = (c + t) >>> 0;
      return t / 4294967296;
    },
  };
  for (let i = 0; i < 12; i++) rng.next();
  return rng;
}

export function uniform(rng: Rng, low: number, high: number): number {
  return low + (high - low) * rng.next();
}

export function chance(rng: Rng, p: number): boolean {
  return rng.next() < p;
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng.next() * items.length)]!;
}

/** Marsaglia's polar method. */
export function gaussian(rng: Rng): number {
  for (;;) {
    const u = 2 * rng.next() - 1;
    const v = 2 * rng.next() - 1;
    const s = u * u + v * v;
    if (s > 0 && s < 1) return u * Math.sqrt((-2 * Math.log(s)) / s);
  }
}

/** Counts of a Poisson process: exponential gaps below 40, a rounded normal with skew correction above. */
export function poisson(rng: Rng, mean: number): number {
  if (!(mean > 0)) return 0;
  if (mean < 40) {
    let count = 0;
    let time = -Math.log(1 - rng.next());
    while (time < mean) {
      count++;
      time -= Math.log(1 - rng.next());
    }
    return count;
  }
  // Cornish–Fisher: the Poisson's skew (1/√mean) enters as (z² − 1)/6.
  const z = gaussian(rng);
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * (z + (z * z - 1) / (6 * Math.sqrt(mean)))));
}

/** A binomial draw: exact for small n, normal (clamped) beyond. */
export function binomial(rng: Rng, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (n < 60) {
    let k = 0;
    for (let i = 0; i < n; i++) if (rng.next() < p) k++;
    return k;
  }
  const k = Math.round(n * p + Math.sqrt(n * p * (1 - p)) * gaussian(rng));
  return Math.min(n, Math.max(0, k));
}

export function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
