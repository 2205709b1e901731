import type { HistoryEntry, ValidationResult } from '../../../shared/validation.js';
import { HistoryModel, type JudgeOptions } from './model.js';
import { resolveThresholds, thresholdsKey } from './thresholds.js';

/**
 * Models are cached so a history is walked once: first by array identity (the engine hands the
 * same array to every check), then by a content fingerprint (the CLI's --batch parses a fresh,
 * equal array per line). A history that is a cached one plus one more run (the next day's
 * judgement, the next --batch line of a day-by-day replay) extends that model by one step of the
 * walk instead of walking from the start. A fingerprint is one pass of cheap arithmetic over the
 * history, far below the cost of a model.
 */

const RECENT_MODELS = 32;

interface IdentityEntry {
  length: number;
  lastStartedAt: string | undefined;
  model: HistoryModel;
}

interface ModelCache {
  byIdentity: WeakMap<readonly HistoryEntry[], IdentityEntry>;
  byFingerprint: Map<string, HistoryModel>;
}

/** One cache per calendar, then per sensitivity and purpose (trial runs train only trial judgements). */
const caches = new WeakMap<object, Map<string, ModelCache>>();
const DEFAULT_CALENDAR_KEY = {};

function cacheFor(options: JudgeOptions, forTrial: boolean): ModelCache {
  const calendarKey = options.calendar ?? DEFAULT_CALENDAR_KEY;
  let byPurpose = caches.get(calendarKey);
  if (!byPurpose) {
    byPurpose = new Map();
    caches.set(calendarKey, byPurpose);
  }
  const key = `${thresholdsKey(resolveThresholds(options.sensitivity, options.thresholds))}|${forTrial}`;
  let cache = byPurpose.get(key);
  if (!cache) {
    cache = { byIdentity: new WeakMap(), byFingerprint: new Map() };
    byPurpose.set(key, cache);
  }
  return cache;
}

/** How many runs back a cached model may be found and walked forward from. */
const EXTEND_AT_MOST = 8;

const NUMBER_BITS = new Float64Array(1);
const NUMBER_WORDS = new Uint32Array(NUMBER_BITS.buffer);

/**
 * FNV-1a over every field the model reads (time, metrics, review, verdict, origin, weight), with
 * the fingerprints of the history without its last 1…EXTEND_AT_MOST runs alongside (the prefixes
 * a cached model may be extended from); null when the input is not history-shaped.
 */
export interface HistoryFingerprints {
  full: string;
  /** Those of the history without its last 1, 2, … EXTEND_AT_MOST runs, in that order. */
  prefixes: string[];
}

export function historyFingerprints(history: unknown): HistoryFingerprints | null {
  if (!Array.isArray(history)) return null;
  let hash = 0x811c9dc5;
  const prefixes: string[] = [];
  const mixString = (text: string): void => {
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  };
  // Numbers are mixed as their 64 bits (String() on each was the cost). Their low word, high word
  // and fraction once stood in for them, and 1e300 (or Infinity) mixed as 0 did: a --batch line
  // whose history had 1e300 where the line before had 0 was taken for that history, judged, and
  // never refused.
  const mixNumber = (value: number): void => {
    NUMBER_BITS[0] = value;
    hash = Math.imul(hash ^ NUMBER_WORDS[0]!, 0x01000193);
    hash = Math.imul(hash ^ NUMBER_WORDS[1]!, 0x01000193);
  };
  // Any value of these fields, with its type: a review of "" or a weight of "0.5" is not the
  // absent one it was once mixed as (both are refused; taken for the line before's history, they were not).
  // An array or object is never a valid value of any of them, so its kind alone keeps it apart from
  // every history that is judged; String() of one nested 100,000 deep ran out of stack.
  const mixField = (value: unknown): void => {
    if (typeof value === 'number') mixNumber(value);
    else if (typeof value === 'object' && value !== null) mixString(Array.isArray(value) ? 'array|' : 'object|');
    else mixString(`${typeof value}:${String(value)}|`);
  };
  const length = history.length;
  for (let index = 0; index < length; index++) {
    const entry = history[index] as unknown;
    if (typeof entry !== 'object' || entry === null) return null;
    const { startedAt, metrics, review, verdict, origin, weight } = entry as Partial<Record<keyof HistoryEntry, unknown>>;
    if (typeof startedAt !== 'string' || typeof metrics !== 'object' || metrics === null) return null;
    if (index >= length - EXTEND_AT_MOST) prefixes.unshift(`${index}:${(hash >>> 0).toString(36)}`);
    mixString(startedAt);
    for (const key in metrics) {
      const value = (metrics as Record<string, unknown>)[key];
      mixString(key);
      mixField(value);
    }
    if (review !== undefined || verdict !== undefined || origin !== undefined || weight !== undefined) {
      mixField(review);
      mixField(verdict);
      mixField(origin);
      mixField(weight);
    }
  }
  return { full: `${length}:${(hash >>> 0).toString(36)}`, prefixes };
}

/** The fingerprint of a history (its content, not its identity). */
export function historyFingerprint(history: unknown): string | null {
  return historyFingerprints(history)?.full ?? null;
}

function remember(cache: ModelCache, fingerprint: string, model: HistoryModel): void {
  const { byFingerprint } = cache;
  byFingerprint.delete(fingerprint);
  byFingerprint.set(fingerprint, model);
  if (byFingerprint.size > RECENT_MODELS) byFingerprint.delete(byFingerprint.keys().next().value!);
}

/** The longest cached prefix of the history (its last runs missing), walked forward over them. */
function extendCached(cache: ModelCache, history: readonly HistoryEntry[], prefixes: readonly string[]): HistoryModel | undefined {
  for (let missing = 1; missing <= prefixes.length; missing++) {
    let model = cache.byFingerprint.get(prefixes[missing - 1]!);
    if (!model) continue;
    for (const entry of history.slice(history.length - missing)) model = model.extendedWith(entry);
    return model;
  }
  return undefined;
}

/** The model for a history, from cache when the same history (or all of it but its last run) was seen before. */
export function modelFor(history: readonly HistoryEntry[], options: JudgeOptions = {}, forTrial = false): HistoryModel {
  const cache = cacheFor(options, forTrial);
  const known = cache.byIdentity.get(history);
  const lastStartedAt = history[history.length - 1]?.startedAt;
  if (known && known.length === history.length && known.lastStartedAt === lastStartedAt) return known.model;
  const fingerprints = historyFingerprints(history);
  let model = fingerprints === null ? undefined : cache.byFingerprint.get(fingerprints.full);
  if (!model) {
    model = extendCached(cache, history, fingerprints?.prefixes ?? []) ?? HistoryModel.fromHistory(history, options, forTrial);
    if (fingerprints !== null) remember(cache, fingerprints.full, model);
  }
  cache.byIdentity.set(history, { length: history.length, lastStartedAt, model });
  return model;
}

/**
 * Judges one run against the runs before it — never against itself or later runs (DESIGN §2
 * step 7), even when the caller's history already holds them. Pure: same inputs, same verdict.
 */
export function judgeRun(history: readonly HistoryEntry[], current: HistoryEntry, options: JudgeOptions = {}): ValidationResult {
  const forTrial = current.origin === 'trial';
  const model = modelFor(history, options, forTrial);
  if (model.precedes(current)) return model.judge(current);
  const cutoff = Date.parse(current.startedAt);
  return modelFor(history.filter((entry) => Date.parse(entry.startedAt) < cutoff), options, forTrial).judge(current);
}
