/**
 * "1 run", "2 runs", "0 runs": a count with its noun agreeing, for every headline and note that
 * counts something. `plural` only where adding "s" is wrong ("anomalies", "batches").
 */
export function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
