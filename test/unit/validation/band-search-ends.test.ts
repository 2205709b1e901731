import { describe, expect, it } from 'vitest';
import { mixtureHighestNormal, mixtureLowestNormal, type CountComponent } from '../../../main/validation/historical/distributions.js';

/**
 * An outside history with an absurd gap or count can leave a mixture component whose mean overflowed
 * (its tails are then NaN). The band searches must still end, with a count, instead of bisecting an
 * infinite interval for ever (`validate --batch` hung on such a line before).
 */
describe('band searches on a component whose mean overflowed', () => {
  const overflowed: CountComponent[] = [
    { weight: 0.5, mean: Infinity, phi: 0.1 },
    { weight: 0.5, mean: 3, phi: 0.1 },
  ];

  it('end with a finite count on both sides', () => {
    const high = mixtureHighestNormal(overflowed, 0.01);
    const low = mixtureLowestNormal([{ weight: 0.5, mean: 1e300, phi: 0.1 }, { weight: 0.5, mean: Infinity, phi: 0 }], 0.6);
    for (const bound of [high, low]) {
      expect(Number.isSafeInteger(bound)).toBe(true);
      expect(bound).toBeGreaterThanOrEqual(0);
    }
  });

  it('leave an ordinary mixture’s band as it was', () => {
    const ordinary: CountComponent[] = [
      { weight: 0.7, mean: 40, phi: 0.05 },
      { weight: 0.3, mean: 4, phi: 0.2 },
    ];
    const high = mixtureHighestNormal(ordinary, 0.001);
    const low = mixtureLowestNormal(ordinary, 0.001);
    expect(low).toBeLessThan(4);
    expect(high).toBeGreaterThan(40);
    expect(high).toBeLessThan(200);
  });
});
