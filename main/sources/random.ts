/**
 * The synthetic generator's only source of randomness: the shared seeded generator, with helpers
 * that give each record its own stream.
 */
import { mulberry32, type Random } from '../../shared/random.js';

export { mulberry32, type Random };

/**
 * Folds several integers (seeds up to 2^53, indexes, salts) into one 32-bit seed, so each record
 * gets its own stream and record k does not depend on how many records came before it.
 */
export function seedFrom(...parts: number[]): number {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    const low = part >>> 0;
    const high = Math.floor(part / 4294967296) >>> 0;
    hash = mix(hash ^ low);
    hash = mix(hash ^ high);
  }
  return hash;
}

function mix(value: number): number {
  let h = Math.imul(value ^ (value >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export function randomFor(...parts: number[]): Random {
  return mulberry32(seedFrom(...parts));
}

/** An integer in [min, max], both inclusive. */
export function intBetween(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function chance(random: Random, probability: number): boolean {
  return random() < probability;
}

export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/** Picks by relative weight: `[['House', 55], ['Senate', 40]]`. */
export function weightedPick<T>(random: Random, choices: readonly (readonly [T, number])[]): T {
  const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
  let point = random() * total;
  for (const [choice, weight] of choices) {
    point -= weight;
    if (point < 0) return choice;
  }
  const last = choices[choices.length - 1];
  if (last === undefined) throw new Error('weightedPick from an empty list');
  return last[0];
}

/** The first `n` entries of a seeded Fisher–Yates shuffle of 0..size-1: n distinct indexes. */
export function sampleIndexes(random: Random, size: number, n: number): number[] {
  if (n === 0) return [];
  const order = new Int32Array(size);
  for (let i = 0; i < size; i++) order[i] = i;
  for (let i = 0; i < n; i++) {
    const j = intBetween(random, i, size - 1);
    const chosen = order[j] as number;
    order[j] = order[i] as number;
    order[i] = chosen;
  }
  return Array.from(order.subarray(0, n));
}
