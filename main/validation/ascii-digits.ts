/**
 * The number written in `count` ASCII digits from `from`, or -1 if any is not one: the fast paths
 * that read plain ISO timestamps without a regex or a Date (record rules, history preparation).
 */
export function digitsAt(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}
