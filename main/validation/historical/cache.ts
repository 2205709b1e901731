import type { HistoryEntry, ValidationResult } from '../../../shared/validation.js';
import { HistoryModel, type JudgeOptions } from './model.js';

/**
 * Models are cached so the history statistics are recomputed only when the history changes:
 * first by array identity (the engine hands the same array to every check), then by a content
 * fingerprint (the CLI's --batch parses a fresh, equal array per line). A fingerprint is one pass
 * of cheap arithmetic over the history, far below the cost of a model.
 */

const RECENT_MODELS = 16;

interface IdentityEntry {
  length: number;
  lastStartedAt: string | undefined;
  model: HistoryModel;
}

interface ModelCache {
  byIdentity: WeakMap<readonly HistoryEntry[], IdentityEntry>;
  byFingerprint: Map<string, HistoryModel>;
}

/** One cache per calendar: the same history read against another calendar is another model. */
const caches = new WeakMap<object, ModelCache>();
const DEFAULT_CALENDAR_KEY = {};

function cacheFor(options: JudgeOptions): ModelCache {
  const key = options.calendar ?? DEFAULT_CALENDAR_KEY;
  let cache = caches.get(key);
  if (!cache) {
    cache = { byIdentity: new WeakMap(), byFingerprint: new Map() };
    caches.set(key, cache);
  }
  return cache;
}

/** FNV-1a over every startedAt and metric; null when the input is not history-shaped. */
export function historyFingerprint(history: unknown): string | null {
  if (!Array.isArray(history)) return null;
  let hash = 0x811c9dc5;
  const mixString = (text: string): void => {
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  };
  // Numbers are mixed as numbers (low word, high word, fraction): String() on each was the cost.
  const mixNumber = (value: number): void => {
    hash = Math.imul(hash ^ (value | 0), 0x01000193);
    hash = Math.imul(hash ^ ((value / 4294967296) | 0), 0x01000193);
    if (!Number.isInteger(value)) hash = Math.imul(hash ^ (((value % 1) * 4294967296) | 0), 0x01000193);
  };
  for (const entry of history as unknown[]) {
    if (typeof entry !== 'object' || entry === null) return null;
    const { startedAt, metrics } = entry as { startedAt?: unknown; metrics?: unknown };
    if (typeof startedAt !== 'string' || typeof metrics !== 'object' || metrics === null) return null;
    mixString(startedAt);
    for (const key in metrics) {
      const value = (metrics as Record<string, unknown>)[key];
      mixString(key);
      if (typeof value === 'number') mixNumber(value);
      else mixString(String(value));
    }
  }
  return `${history.length}:${(hash >>> 0).toString(36)}`;
}

function remember(cache: ModelCache, fingerprint: string, model: HistoryModel): void {
  const { byFingerprint } = cache;
  byFingerprint.delete(fingerprint);
  byFingerprint.set(fingerprint, model);
  if (byFingerprint.size > RECENT_MODELS) byFingerprint.delete(byFingerprint.keys().next().value!);
}

/** The model for a history, from cache when the same history was seen before. */
export function modelFor(history: readonly HistoryEntry[], options: JudgeOptions = {}): HistoryModel {
  const cache = cacheFor(options);
  const known = cache.byIdentity.get(history);
  const lastStartedAt = history[history.length - 1]?.startedAt;
  if (known && known.length === history.length && known.lastStartedAt === lastStartedAt) return known.model;
  const fingerprint = historyFingerprint(history);
  let model = fingerprint === null ? undefined : cache.byFingerprint.get(fingerprint);
  if (!model) {
    model = HistoryModel.fromHistory(history, options);
    if (fingerprint !== null) remember(cache, fingerprint, model);
  }
  cache.byIdentity.set(history, { length: history.length, lastStartedAt, model });
  return model;
}

/**
 * Judges one run against the runs before it — never against itself or later runs (DESIGN §2
 * step 7), even when the caller's history already holds them. Pure: same inputs, same verdict.
 */
export function judgeRun(history: readonly HistoryEntry[], current: HistoryEntry, options: JudgeOptions = {}): ValidationResult {
  const model = modelFor(history, options);
  if (model.precedes(current)) return model.judge(current, options.thresholds);
  const cutoff = Date.parse(current.startedAt);
  return modelFor(history.filter((entry) => Date.parse(entry.startedAt) < cutoff), options).judge(current, options.thresholds);
}
