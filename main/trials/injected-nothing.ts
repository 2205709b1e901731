import { counted } from '../../shared/plural.js';
import type { TrialLevel } from '../store/index.js';
import type { TrialComposition } from './realise.js';

/** How a history that never fetched a record is refused: what a run-level anomaly makes of its clean runs. */
export const SCALES_NOTHING = 'a run-level anomaly scales what a clean run brings (here: nothing)';

/** A clean run that brings no records: every day's, on a history that never fetched one. */
export const NO_RECORDS: TrialComposition = { added: 0, updated: 0, unchanged: 0, quarantined: 0, extraMsPerRecord: 0 };

/**
 * The one rule for a trial that would inject nothing, and why (null: it changes something). A
 * run-level anomaly scales the clean run a trial's day brings: into a clean run of no records it
 * injects nothing whatever its kind (a fourfold spike of nothing is nothing; a slow source of no
 * records takes no time), and into any other it injects nothing when it leaves the run as it was
 * (mix-shift's "all new" on a history of first loads, where every record already is new). Such a
 * trial has no anomaly in it to catch: run, it would count as a miss. Controls inject nothing by
 * design and record-level kinds corrupt at least one record of their own: never.
 *
 * Asked up front for the whole session (a history that never fetched a record: refused, no trial
 * run) and per trial on its day (recorded as not judged, no run made).
 */
export function whyInjectsNothing(level: TrialLevel, clean: TrialComposition, injected: TrialComposition): string | null {
  if (level !== 'run') return null;
  const records = clean.added + clean.updated + clean.unchanged + clean.quarantined;
  if (records === 0) return `a clean run on staging brings no records, and ${SCALES_NOTHING}`;
  if (JSON.stringify(injected) !== JSON.stringify(clean)) return null;
  return `a clean run on staging brings ${counted(records, 'record')} (${clean.added} new, ${clean.updated} updated, ${clean.unchanged} unchanged, ${clean.quarantined} quarantined), and the injection leaves it as it is`;
}
