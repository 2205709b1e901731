import { createHash } from 'node:crypto';
import type { HistoryEntry, ValidationResult } from '../../../shared/validation.js';
import { HistoryModel, type JudgeOptions } from './model.js';
import { resolveThresholds, thresholdsKey } from './thresholds.js';

/**
 * Models are cached so a history is walked once: first by array identity (the engine hands the
 * same array to every check), then by a content fingerprint (the CLI's --batch parses a fresh,
 * equal array per line). A history that is a cached one plus one more run (the next day's
 * judgement, the next --batch line of a day-by-day replay) extends that model by one step of the
 * walk instead of walking from the start. A fingerprint is one pass over the history's fields and
 * a SHA-256 of them, far below the cost of a model.
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

/**
 * SHA-256 over every field the model reads (time, metrics, review, verdict, origin, weight), with
 * those of the history without its last 1…EXTEND_AT_MOST runs alongside (the prefixes a cached
 * model may be extended from); null when the input is not history-shaped. A 32-bit FNV-1a once
 * stood in: two histories that differ in a level held for two weeks (952 against 2,024 records a
 * day) shared one in a search of a few thousand, and a --batch line judged the second on the
 * first's history. A model is shared only between histories whose fingerprints are equal.
 */
export interface HistoryFingerprints {
  full: string;
  /** Those of the history without its last 1, 2, … EXTEND_AT_MOST runs, in that order. */
  prefixes: string[];
}

/**
 * The fields written one after another as 16-bit units, each opened by a tag of its kind and a text
 * by its length, so no two histories write the same units: a key cannot run into its value, nor ""
 * into an absent review. A text is its UTF-16 code units as they are (UTF-8 would turn every lone
 * surrogate into U+FFFD), a number its 64 bits. Plain array writes: Buffer.write per field cost
 * three times the hashing.
 */
const TAG = { run: 1, key: 2, metricsEnd: 3, feedback: 4, number: 5, text: 6, array: 7, object: 8, other: 9, sameKey: 10 } as const;

const NUMBER_BITS = new Float64Array(1);
const NUMBER_UNITS = new Uint16Array(NUMBER_BITS.buffer);

class FieldWriter {
  /** Reused between calls (they never overlap: each is synchronous); one grown by a huge field is let go. */
  private static scratch = new Uint16Array(1 << 16);
  units = FieldWriter.scratch;
  length = 0;
  /**
   * The units are hashed whenever the scratch fills, not kept: a 60 MB --batch line wrote some 50 MB
   * of them, grown by doubling, beside the line itself. Only a single field longer than the scratch grows it.
   */
  readonly hash = createHash('sha256');

  private room(size: number): void {
    if (this.length + size <= this.units.length) return;
    this.flush();
    if (size > this.units.length) this.units = new Uint16Array(size);
  }

  /** Hashes what is written so far. */
  flush(): void {
    this.hash.update(this.units.subarray(0, this.length));
    this.length = 0;
  }

  /** The digest of every unit written so far, writing going on after it. */
  digestSoFar(): string {
    this.flush();
    return this.hash.copy().digest('base64');
  }

  tag(tag: number): void {
    this.room(1);
    this.units[this.length++] = tag;
  }

  number(value: number): void {
    this.room(5);
    const { units } = this;
    NUMBER_BITS[0] = value;
    units[this.length] = TAG.number;
    units[this.length + 1] = NUMBER_UNITS[0]!;
    units[this.length + 2] = NUMBER_UNITS[1]!;
    units[this.length + 3] = NUMBER_UNITS[2]!;
    units[this.length + 4] = NUMBER_UNITS[3]!;
    this.length += 5;
  }

  text(tag: number, value: string): void {
    const size = value.length;
    this.room(3 + size);
    const { units } = this;
    let at = this.length;
    units[at++] = tag;
    units[at++] = size & 0xffff;
    units[at++] = size >>> 16;
    for (let i = 0; i < size; i++) units[at++] = value.charCodeAt(i);
    this.length = at;
  }

  /** Any value of a field, with its kind: a review of "" or a weight of "0.5" is not the absent one (both are refused). */
  field(value: unknown): void {
    if (typeof value === 'number') this.number(value);
    else if (typeof value === 'string') this.text(TAG.text, value);
    // An array or object is never a valid value of any field, so its kind alone keeps it apart from
    // every history that is judged; String() of one nested 100,000 deep ran out of stack.
    else if (typeof value === 'object' && value !== null) this.tag(Array.isArray(value) ? TAG.array : TAG.object);
    else this.text(TAG.other, `${typeof value}:${String(value)}`);
  }

  release(): void {
    if (this.units.length <= 1 << 22) FieldWriter.scratch = this.units;
  }
}

export function historyFingerprints(history: unknown): HistoryFingerprints | null {
  if (!Array.isArray(history)) return null;
  const writer = new FieldWriter();
  try {
    const length = history.length;
    const atEnds: string[] = [];
    // A key where the run before had the same one at the same place is written as that: it is
    // what the reader knows already, and it halves what is hashed (keys repeat run after run).
    let keysBefore: string[] = [];
    let keys: string[] = [];
    for (let index = 0; index < length; index++) {
      const entry = history[index] as unknown;
      if (typeof entry !== 'object' || entry === null) return null;
      const { startedAt, metrics, review, verdict, origin, weight } = entry as Partial<Record<keyof HistoryEntry, unknown>>;
      if (typeof startedAt !== 'string' || typeof metrics !== 'object' || metrics === null) return null;
      if (index >= length - EXTEND_AT_MOST) atEnds.push(writer.digestSoFar());
      writer.text(TAG.run, startedAt);
      let place = 0;
      for (const key in metrics) {
        if (keysBefore[place] === key) writer.tag(TAG.sameKey);
        else writer.text(TAG.key, key);
        keys[place++] = key;
        writer.field((metrics as Record<string, unknown>)[key]);
      }
      keys.length = place;
      [keysBefore, keys] = [keys, keysBefore];
      writer.tag(TAG.metricsEnd);
      if (review !== undefined || verdict !== undefined || origin !== undefined || weight !== undefined) {
        writer.tag(TAG.feedback);
        for (const value of [review, verdict, origin, weight]) writer.field(value);
      }
    }
    const full = writer.digestSoFar();
    const firstPrefix = length - atEnds.length;
    // Runs counted in: a prefix's key names how many runs it holds, as the full one does.
    const prefixes = atEnds.map((digest, i) => `${firstPrefix + i}:${digest}`).reverse();
    return { full: `${length}:${full}`, prefixes };
  } finally {
    writer.release();
  }
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
