/**
 * A count as people read it: "12,000", never "12000" on one line and "12,000" on the next. The
 * locale is fixed so the CLI, the server's messages and the console agree whatever the machine's
 * or the browser's locale says ("12.000" reads as twelve in an en-US-minded log).
 */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/**
 * "1 run", "2 runs", "0 runs", "12,000 records": a count with its noun agreeing, for every headline
 * and note that counts something. `plural` only where adding "s" is wrong ("anomalies", "batches").
 */
export function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(count)} ${count === 1 ? singular : plural}`;
}
