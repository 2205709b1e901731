import { uniform, type Rng } from '../harness/rng.js';
import type { HarnessKind, HarnessRun } from '../harness/world.js';

/**
 * The audit's own anomalies, written for the audit: what a broken source or engine does to one
 * run. Every kind keeps fetched = added + updated + unchanged + quarantined. Magnitudes are drawn
 * from ranges around the nominal ones, so no validator can be tuned to one exact factor.
 */

type Metrics = HarnessRun['metrics'];

/** Scales every part of a run by `factor`, keeping the parts whole and their sum right. */
export function scaleRun(metrics: Metrics, factor: number): Metrics {
  const parts = { added: Math.round(metrics.added * factor), updated: Math.round(metrics.updated * factor), quarantined: Math.round(metrics.quarantined * factor) };
  const fetched = Math.round(metrics.fetched * factor);
  const unchanged = Math.max(0, fetched - parts.added - parts.updated - parts.quarantined);
  // A run's time is partly fixed (connect, plan) and partly per record: about a third and two thirds.
  return { ...parts, unchanged, fetched: parts.added + parts.updated + parts.quarantined + unchanged, durationMs: Math.round(metrics.durationMs * (1 / 3 + (2 / 3) * factor)) };
}

/** One run as the anomaly leaves it; `busy` is a busy day's run of the same stream, for a burst. */
export function injectAudit(rng: Rng, kind: Exclude<HarnessKind, 'shift-down' | 'shift-up'>, run: HarnessRun, busy: HarnessRun): HarnessRun {
  const m = run.metrics;
  const metrics = ((): Metrics => {
    switch (kind) {
      case 'spike':
        return scaleRun(m, uniform(rng, 3, 6));
      case 'drop':
        return scaleRun(m, uniform(rng, 0.05, 0.2));
      case 'zero':
        return { fetched: 0, added: 0, updated: 0, unchanged: 0, quarantined: 0, durationMs: Math.round(m.durationMs * 0.2) };
      case 'burst':
        return { ...busy.metrics };
      case 'all-new': {
        const accepted = m.fetched - m.quarantined;
        return { ...m, added: accepted, updated: 0, unchanged: 0 };
      }
      case 'stale':
        return { ...m, added: 0, updated: 0, unchanged: m.fetched - m.quarantined };
      case 'quarantine': {
        const target = Math.min(m.fetched, Math.max(3, Math.round(m.fetched * uniform(rng, 0.2, 0.4))));
        let take = target - m.quarantined;
        const out = { ...m, quarantined: Math.max(m.quarantined, target) };
        for (const part of ['unchanged', 'updated', 'added'] as const) {
          const taken = Math.max(0, Math.min(out[part], take));
          out[part] -= taken;
          take -= taken;
        }
        return out;
      }
      case 'slow':
        return { ...m, durationMs: Math.round(m.durationMs * uniform(rng, 4, 8)) };
    }
  })();
  return { startedAt: run.startedAt, metrics };
}
