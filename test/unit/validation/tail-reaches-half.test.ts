import { describe, expect, it } from 'vitest';
import { mixtureLowerTail, mixtureUpperTail, tailScore, type CountComponent } from '../../../main/validation/historical/distributions.js';
import { plainlyOrdinary, surprise } from '../../../main/validation/historical/volume-track.js';

/**
 * A run's surprise sums only the tail on its own side of the expectation when that tail holds
 * less than half the mass: the other tail then holds more than half and scores nothing. These
 * cases pin that the shortcut gives exactly (bit for bit) what summing both tails gives, for single
 * distributions and mixtures, on both sides, near the middle and far out, exact sums and the
 * normal approximation alike.
 */

function bothTailsSummed(components: readonly CountComponent[], value: number): { lowScore: number; highScore: number } {
  return { lowScore: tailScore(mixtureLowerTail(components, value)), highScore: tailScore(mixtureUpperTail(components, value)) };
}

function mixtureOf(parts: readonly (readonly [weight: number, mean: number, phi: number])[]): CountComponent[] {
  const total = parts.reduce((sum, [weight]) => sum + weight, 0);
  return parts.map(([weight, mean, phi]) => ({ weight: weight / total, mean, phi }));
}

/** Values from zero to well past the largest mean, densest near each component's mean. */
function valuesAround(components: readonly CountComponent[]): number[] {
  const values = new Set<number>([0, 1, 2]);
  for (const { mean, phi } of components) {
    const sd = Math.sqrt(mean + phi * mean * mean);
    for (let k = -8; k <= 8; k += 0.25) values.add(Math.max(0, Math.round(mean + k * sd)));
  }
  return [...values];
}

const MIXTURES: CountComponent[][] = [
  ...[0.3, 2, 7, 25, 60, 140, 400, 2500].flatMap((mean) => [0, 0.02, 0.08, 0.4].map((phi) => mixtureOf([[1, mean, phi]]))),
  mixtureOf([[0.7, 60, 0.05], [0.3, 20, 0.3]]),
  mixtureOf([[0.5, 120, 0.04], [0.5, 160, 0.3]]),
  mixtureOf([[0.2, 300, 0.05], [0.4, 90, 0.2], [0.4, 30, 0.5]]),
  mixtureOf([[0.1, 5, 0.1], [0.3, 1.5, 0.6], [0.3, 8, 0.1], [0.3, 11, 0.3]]),
  mixtureOf([[0.45, 900, 0.03], [0.45, 1200, 0.08], [0.05, 250, 0.5], [0.03, 40, 0.2], [0.02, 3000, 0.1]]),
];

describe('a run scored on the tail of its own side of the expectation', () => {
  it('scores exactly as summing both tails would', () => {
    let compared = 0;
    for (const components of MIXTURES) {
      for (const value of valuesAround(components)) {
        if (plainlyOrdinary(components, value)) continue;
        const scores = surprise(components, value);
        const summed = bothTailsSummed(components, value);
        expect(Object.is(scores.lowScore, summed.lowScore) && Object.is(scores.highScore, summed.highScore), `value ${value} of ${JSON.stringify(components)}`).toBe(true);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });
});
