import type { Rejection } from '../../shared/record.js';
import type { RunWait, SourceFingerprint, SourceWarning, SourceWindow } from '../../shared/run.js';

/** One item read from a source, before any rule has looked at it. */
export interface SourceItem {
  /**
   * 0-based position in the source's stream. The same input always yields the same positions,
   * which is what lets an interrupted run resume from a checkpoint without writing a record twice.
   */
  position: number;
  /** The record as parsed (any JSON value: the record rules decide whether it is a hearing). */
  raw: unknown;
  /** Set when the item could not be read at all (a malformed NDJSON line, a failed detail fetch). */
  error?: Rejection;
  /** The record's eventId when `raw` no longer carries it as a field (a record past a limit kept as text). */
  eventId?: string;
  /**
   * A source re-listed by design (`RecordSource.listing`) names each item by this key — for
   * Congress.gov `congress/chamber/eventId`, as its API addresses a meeting, or a digest of an entry
   * without an eventId — so a resume skips what the run already handled by identity.
   */
  key?: string;
}

/** How a resume of a run over a re-listed source reads it: the same window, minus what was handled. */
export interface ResumeByIdentity {
  /** The window the run listed when it started, with the Congresses it listed. */
  window: SourceWindow;
  /** Keys of the items the run's committed batches handled (written, unchanged or quarantined): not yielded again. */
  handled: { has(key: string): boolean };
}

export interface RecordSource {
  /** The spec with any secret removed: safe for logs and run records. */
  readonly description: string;
  /** How many items the source expects to yield, when it knows (for progress and ETA). */
  readonly expectedCount: number | null;
  /**
   * A file source's size, modified time and sampled bytes as it was opened, recorded on the run so a
   * resume can refuse a file that changed; absent for sources re-listed by design (synthetic, congress).
   */
  readonly fingerprint?: SourceFingerprint;
  /**
   * Present for a source re-listed by design (congress), whose listing may gain, lose or reorder
   * items between two readings: a resume then skips by item key (`SourceItem.key`), not by position,
   * and lists the window the run recorded. Absent: positions are stable (a file checked by its
   * fingerprint, a synthetic spec that fixes every record).
   */
  readonly listing?: {
    readonly window: SourceWindow;
    /**
     * True when the operator named what the window lists (`--congress`): a resume of a run that
     * listed another Congress is refused. False: the default, and a resume lists what its run recorded.
     */
    readonly congressNamed: boolean;
    /**
     * Widens a new run's window back to `coveredUntil` (where the task's last covered run's window
     * ended) when that is earlier than the lookback, within the source's maximum; returns the span
     * even that leaves out (ISO 8601 instants), or null. Only before the run opens: it records `window`.
     */
    catchUp?(coveredUntil: Date): { from: string; to: string } | null;
    /**
     * With `catchUp`: a new run that follows at once a run that has just listed up to `coveredUntil`
     * (a resume, which lists its own window again) lists only from there (less the overlap) instead of
     * its whole lookback; as `catchUp` when `coveredUntil` is older than the lookback. Only before the run opens.
     */
    continueFrom?(coveredUntil: Date): { from: string; to: string } | null;
    /**
     * With `catchUp`: the furthest back a catch-up reaches (ISO 8601). A covering run that ended before
     * it widens the window no more than one that ended there, so the lookup for one stops at it.
     */
    readonly catchUpHorizon?: string;
    /** The eventId an item key (`SourceItem.key`) names, canonical; null for a key naming none. */
    eventIdOfKey(key: string): string | null;
  };
  /** What the source noticed while its items were read (Congress.gov's pagination disagreeing with itself); read after the run. */
  warnings?(): SourceWarning[];
  /**
   * Streams the items in a stable order; `skip` items are read past without being yielded. With
   * `resume` (a source with `listing`), items whose key is handled are read past instead, and the
   * others are numbered from `skip` on, after every position the run has already checkpointed.
   */
  items(options?: { skip?: number; signal?: AbortSignal; resume?: ResumeByIdentity; onWait?: (wait: RunWait | null) => void }): AsyncIterable<SourceItem>;
}

export interface SourceOptions {
  /** Current time; synthetic and congress sources compute windows from it. */
  now?: () => Date;
  /** congress: only — days of updates to fetch, 1–90 (default 7). */
  lookbackDays?: number;
  /** congress: only — which Congress to list (default: the one sitting now). */
  congress?: number;
  /** congress: only — a wait between attempts this long or longer is told to the run (default 10 s); tests lower it. */
  waitWorthSayingMs?: number;
  /** congress: only — the waits between one request's attempts together, past which the run stops (default 15 minutes). */
  maxWaitPerRequestMs?: number;
  /** congress: only — overrides GATEHOUSE_CONGRESS_API_KEY. Never logged or stored. */
  apiKey?: string;
  /**
   * congress: only — where a `congress:` spec that names no URL is read from (a mirror, a proxy, a
   * test server) instead of the public API. Its runs are recorded under the spec's own source, so a
   * task's catch-up finds the runs it made before and after the mirror alike. A spec naming a URL keeps it.
   */
  congressBaseUrl?: string;
}
