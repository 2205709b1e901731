import { describe, expect, it } from 'vitest';
import { slices } from '../../shared/slices.js';

describe('slices', () => {
  it('cuts a list into consecutive slices, the last one shorter', () => {
    expect([...slices([1, 2, 3, 4, 5], 2)]).toEqual([[1, 2], [3, 4], [5]]);
    expect([...slices([1, 2, 3, 4], 2)]).toEqual([[1, 2], [3, 4]]);
  });

  it('gives nothing for an empty list, and one slice when the size covers it', () => {
    expect([...slices([], 3)]).toEqual([]);
    expect([...slices(['a', 'b'], 10_000)]).toEqual([['a', 'b']]);
  });
});
