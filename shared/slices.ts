/** `items` in consecutive slices of at most `size` (the last may be shorter); none for no items. */
export function* slices<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
