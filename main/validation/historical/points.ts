/** Anything that carries run metrics: a history entry, a run as the store returns it. */
export interface MetricsCarrier {
  metrics: Readonly<Record<string, number>>;
}

/** A missing metric reads as 0: older run rows may predate a counter. */
export function metricOf(point: MetricsCarrier, name: string): number {
  const value = point.metrics[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
