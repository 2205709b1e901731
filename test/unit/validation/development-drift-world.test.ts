import { describe, expect, it } from 'vitest';
import { DEVELOPMENT_WORLD, developmentWorld } from '../../../bench/validation/development/world.js';

/**
 * Issue 10 (false alarms on busy normal days): the development world has a rougher variant for a
 * second opinion — a level that walks and days over-dispersed beyond the negative binomial — and
 * the plain world the validator is tuned on draws exactly what it drew before.
 */
const OPTIONS = { seed: 31_337, days: 640 };

/** Day-to-day changes of the world's own busy-day level (log), over the stream. */
function levelSteps(stream: ReturnType<typeof DEVELOPMENT_WORLD.generate>): number[] {
  const busy = stream.days.map((d) => Math.log(d.busyExpected));
  return busy.slice(1).map((level, i) => level - busy[i]!);
}

describe('the drift variant of the development world', () => {
  it('leaves the plain world as it was', () => {
    for (const index of [0, 1, 5]) expect(developmentWorld('plain').generate({ ...OPTIONS, index })).toEqual(DEVELOPMENT_WORLD.generate({ ...OPTIONS, index }));
  });

  it('walks the level of most streams and keeps their days and quiet periods where they were', () => {
    let walking = 0;
    for (let index = 0; index < 12; index++) {
      const plain = DEVELOPMENT_WORLD.generate({ ...OPTIONS, index });
      const drift = developmentWorld('drift').generate({ ...OPTIONS, index });
      expect(drift.days.map((d) => d.state)).toEqual(plain.days.map((d) => d.state));
      const plainSteps = levelSteps(plain);
      const extra = levelSteps(drift).map((step, i) => step - plainSteps[i]!);
      const spread = Math.sqrt(extra.reduce((sum, s) => sum + s * s, 0) / extra.length);
      if (spread > 0.005) walking++;
    }
    expect(walking).toBeGreaterThanOrEqual(6);
  });
});
