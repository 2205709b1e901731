/**
 * The one seeded generator (mulberry32): tiny, fast, good enough for synthetic data and seeded
 * kill moments. Math.random is never used where results must repeat: the same seed gives the
 * same numbers on every machine (STYLE: deterministic by construction).
 */
export type Random = () => number;

/** Floats in [0, 1). */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
