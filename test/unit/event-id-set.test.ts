import { describe, expect, it } from 'vitest';
import { EventIdSet } from '../../main/engine/event-id-set.js';

/** The run's duplicate check must answer exactly as a Set<string> of the eventIds would. */
describe('EventIdSet', () => {
  it('holds 5,000 numeric eventIds of one page and none of their neighbours, as bits once the page is full enough', () => {
    const ids = new EventIdSet();
    for (let n = 0; n < 5_000; n += 1) ids.add(String(115_000 + n * 3));
    expect(ids.size).toBe(5_000);
    expect(ids.has('115000')).toBe(true);
    expect(ids.has('129997')).toBe(true);
    expect(ids.has('115001')).toBe(false);
    expect(ids.has('129998')).toBe(false);
    expect(ids.has('130000')).toBe(false);
  });

  it('keeps ids that only look alike apart: leading zeros, signs, exponents, spaces, long numbers and names', () => {
    const spellings = ['123', '0123', '+123', '-123', '1.23e2', ' 123', '0', '00', '', '12345678901234567890', '12345678901234567891', 'EV-123'];
    const ids = EventIdSet.of(spellings.filter((_, i) => i % 2 === 0));
    spellings.forEach((id, i) => expect(ids.has(id), id).toBe(i % 2 === 0));
    expect(ids.size).toBe(spellings.length / 2);
  });

  it('counts an eventId added twice once, before and after its page turns into bits', () => {
    const ids = EventIdSet.of(['700001', '700001', 'x', 'x']);
    expect(ids.size).toBe(2);
    for (let n = 0; n < 600; n += 1) ids.add(String(700_100 + n));
    ids.add('700001');
    ids.add('700150');
    expect(ids.size).toBe(602);
    expect(ids.has('700001')).toBe(true);
  });
});
