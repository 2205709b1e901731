import { describe, expect, it } from 'vitest';
import { firstRepeatedKey, parseJsonNotingRepeatedKeys } from '../../../shared/json-repeated-keys.js';

function repeatedIn(text: string): string | null {
  const { value, repeated } = parseJsonNotingRepeatedKeys(text);
  return repeated === null ? null : firstRepeatedKey(value, repeated, 'the record');
}

describe('JSON parsed noting repeated keys', () => {
  it.each([
    ['{"title":"A","title":"B"}', 'the record gives the key "title" twice ("A", then "B"): which value was meant cannot be told'],
    ['{"w":[{"name":"Ann","name":"Bo","name":"Cy"}]}', 'w[0] gives the key "name" 3 times ("Ann", then "Bo", then "Cy"): which value was meant cannot be told'],
    // The dropped value's own colons and keys disappear with it: the counts differ all the more.
    ['{"a":{"b:c":"d:e"},"a":1}', 'the record gives the key "a" twice ({"b:c":"d:e"}, then 1): which value was meant cannot be told'],
    // An escaped colon adds to the parsed count what the repeated key took away: the exact read still finds it.
    ['{"t":"x","t":"\\u003a"}', 'the record gives the key "t" twice ("x", then ":"): which value was meant cannot be told'],
    ['{"__proto__":1,"__proto__":2}', 'the record gives the key "__proto__" twice (1, then 2): which value was meant cannot be told'],
    ['{"k":1,"k":2,"j":3,"j":4}', 'the record gives the key "k" twice (1, then 2) (and "j" too): which value was meant cannot be told'],
  ])('finds the repeat in %s', (text, message) => {
    expect(repeatedIn(text)).toBe(message);
  });

  it.each([
    '{"title":"Colons: 10:00 at https://x.test","a":{"b":[1,{"c:d":"e"}]}}',
    '{"esc":"\\u003a and \\"quoted\\" and \\\\ \\ud83d\\ude00","n":[-0,1e400,12345678901234567890,0.1,-1.5e-3]}',
    '{"__proto__":{"x":1},"empty":{},"list":[],"nul":null,"t":true,"f":false}',
    '[{"a":1},{"a":1},[{"a":2}]]',
    '{"same key in sibling objects":{"a":1},"b":{"a":1}}',
  ])('finds none where no object repeats a key, and gives what JSON.parse gives: %s', (text) => {
    const { value, repeated } = parseJsonNotingRepeatedKeys(text);
    expect(repeated).toBeNull();
    expect(value).toStrictEqual(JSON.parse(text));
  });

  it('gives, beside the repeats, the value JSON.parse gives (last key wins, in the first one\'s place, -0 kept) and each object\'s text as written', () => {
    const text = '{"a":1, "b":{"c":-0,"c":"\\u003a"}, "a":[2], "__proto__":null}';
    const { value, repeated } = parseJsonNotingRepeatedKeys(text);
    expect(value).toStrictEqual(JSON.parse(text));
    expect(Object.keys(value as object)).toEqual(['a', 'b', '__proto__']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(repeated!.textOf((value as { b: object }).b)).toBe('{"c":-0,"c":"\\u003a"}');
    expect(repeated!.textOf(value as object)).toBe(text);
  });

  it('reads 100,000 nested arrays holding a repeat without overflowing the stack', () => {
    const text = `${'['.repeat(100_000)}{"a":1,"a":2}${']'.repeat(100_000)}`;
    const { repeated } = parseJsonNotingRepeatedKeys(text);
    expect(repeated?.objects.size).toBe(1);
  });

  it('throws as JSON.parse does on text that is not JSON', () => {
    expect(() => parseJsonNotingRepeatedKeys('{"a":1,}')).toThrow(SyntaxError);
  });
});
