import crypto from 'node:crypto';
import { GatehouseError } from '../../../shared/errors.js';
import { firstRepeatedKey, type RepeatedKeys } from '../../../shared/json-repeated-keys.js';
import { canonicalEventId, eventIdProblem } from '../../../shared/record.js';
import { stillMovingWords, type RunWait, type SourceWarning, type SourceWindow } from '../../../shared/run.js';
import { redactKnownSecret, redactSecrets } from '../../../shared/redact.js';
import { logger } from '../../logging/index.js';
import { limitedItem, repeatedKeyOutsideRecords } from '../record-limits.js';
import type { RecordSource, ResumeByIdentity, SourceItem } from '../types.js';
import { CongressClient, CongressFetchError, type CongressClientOptions } from './client.js';
import { systemClock } from './timing.js';
import {
  catchUpHorizon,
  catchUpWindow,
  continuationWindow,
  checkCongress,
  checkLookbackDays,
  congressDateTime,
  congressesSitting,
  DEFAULT_LOOKBACK_DAYS,
  lookbackWindow,
  recordedCongresses,
  recordedWindow,
  updatedInside,
  type CatchUp,
  type LookbackWindow,
} from './window.js';
import { counted } from '../../../shared/plural.js';

const log = logger('congress');

/** NoChamber (joint committees, commissions) is a chamber of its own: leaving it out loses meetings. */
export const CONGRESS_CHAMBERS = ['house', 'senate', 'nochamber'] as const;
export type ChamberPath = (typeof CONGRESS_CHAMBERS)[number];
export const PAGE_SIZE = 250;
/**
 * A server that ignores the offset (or whose next link leads back) would be paged forever, spending
 * the hourly quota on the same meetings. One page of repeats can be honest — a page's worth of
 * meetings updated at the front of the list between two requests — so it takes two in a row. Those
 * fail the source, as an empty page does: the meetings the pagination still promised were never
 * listed, and a run that ended `success` without them would say the listing was complete.
 */
const REPEATED_PAGES_THAT_END_A_LISTING = 2;
/**
 * An empty page whose pagination still promises more cannot be paged past (the offset does not
 * move), and ending the listing there would report a run without the meetings after it as a
 * success. It is asked for again once — a list that shrank between two requests answers the second
 * time — and a second empty page fails the source: the run stops as interrupted, to be resumed.
 */
const EMPTY_PAGES_THAT_FAIL_A_LISTING = 2;
/**
 * How many times a chamber's listing of more than one page is read from its start: again while the
 * last pass listed a meeting no earlier one did. A listing still moving on the last pass is said to
 * the operator (`LISTING_MOVED`), since that pass may have missed meetings in turn.
 */
const LISTING_PASSES = 3;

export interface CongressSourceOptions extends Omit<CongressClientOptions, 'clock'> {
  /** Safe for logs and run records: must not contain the key. */
  description: string;
  lookbackDays?: number;
  congress?: number;
  now?: () => Date;
}

/** What the source saw beyond the items it yielded; read it after a run. */
export interface CongressFetchStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  listPages: number;
  detailsFetched: number;
  /** Items yielded with a FETCH_FAILED error (a detail that could not be fetched). */
  fetchErrors: number;
  /** List items whose updateDate lies outside the lookback window: not part of this run. */
  outsideWindow: number;
  /** The same congress/chamber/eventId listed twice (the list shifted between pages); not those a page read again listed again (`listedAgainOnPagesReadAgain`). */
  duplicatesSkipped: number;
  /** List pages that listed no meeting not already listed; two in a row end that chamber's listing (the feed repeats itself). */
  repeatedPages: number;
  /** Meetings a resumed run had already handled before it was interrupted: listed, not fetched again. */
  handledBefore: number;
  /** List pages asked for again from further back because the listing shrank while it was read (see `ChamberListing`). */
  pagesReadAgain: number;
  /** Meetings listed again because a page was read again: the overlap asked for on purpose, each fetched once. */
  listedAgainOnPagesReadAgain: number;
  /** Meetings listed again on pages a next link past the count led to (`nextPastCount`), each fetched once. */
  listedAgainPastCount: number;
  /** Chambers whose pagination still gave a next link once their count was met: listed on while it did, and warned of. */
  nextPastCount: number;
  /** Entries a list page gave twice itself: the next page was asked for from after the page's distinct meetings, not its length. */
  listedTwiceOnOnePage: number;
  /** Meetings inside the window that the first pass over a chamber's pages missed (the listing moved under it) and a later pass listed. */
  listedOnLaterPass: number;
}

export interface CongressSource extends RecordSource {
  /** The latest Congress listed: the one named, or the one sitting at the end of the window. */
  readonly congress: number;
  /** Every Congress a new run lists, oldest first (see `Listing`). */
  readonly congresses: readonly number[];
  readonly window: LookbackWindow;
  readonly stats: CongressFetchStats;
}

/**
 * `congress:BASE_URL` — committee meetings updated in the lookback window, for all three
 * chambers, each list item replaced by its full detail record. A detail that cannot be fetched
 * becomes a FETCH_FAILED item (quarantined, never written over the stored hearing); a list page
 * that cannot be fetched, a refused key, or an open circuit ends the run with an error.
 */
export function createCongressSource(options: CongressSourceOptions): CongressSource {
  const now = options.now ?? systemClock;
  const at = now();
  const lookbackDays = checkLookbackDays(options.lookbackDays ?? DEFAULT_LOOKBACK_DAYS);
  if (options.congress !== undefined) checkCongress(options.congress, at);
  if (options.apiKey.trim() === '') {
    throw new GatehouseError('USAGE', 'congress: needs an API key', { hint: 'set GATEHOUSE_CONGRESS_API_KEY' });
  }
  // Fixed when the source opens (or widened by `catchUp` before its run opens); a run records it,
  // and a resume lists the window its run recorded.
  let window = lookbackWindow(at, lookbackDays);
  let congresses = listedCongresses(window, options.congress);
  const client = new CongressClient({ ...options, clock: now });
  const stats = noStats();
  const reader = new MeetingReader(client, stats, options.apiKey);
  const reachTo = (caught: CatchUp) => {
    window = caught.window;
    congresses = listedCongresses(window, options.congress);
    return caught.uncovered && { from: caught.uncovered.from.toISOString(), to: caught.uncovered.to.toISOString() };
  };
  return {
    description: options.description,
    expectedCount: null,
    get congress() {
      return congresses.at(-1)!;
    },
    get congresses() {
      return congresses;
    },
    get window() {
      return window;
    },
    stats,
    warnings: () => reader.warnings(),
    // Re-listed by design: meetings come and go in the listing, so a resume goes by identity.
    listing: {
      get window() {
        return { from: window.from.toISOString(), to: window.to.toISOString(), congress: congresses.at(-1)!, congresses: [...congresses] };
      },
      congressNamed: options.congress !== undefined,
      catchUp: (coveredUntil) => reachTo(catchUpWindow(at, lookbackDays, coveredUntil)),
      continueFrom: (coveredUntil) => reachTo(continuationWindow(at, lookbackDays, coveredUntil)),
      catchUpHorizon: catchUpHorizon(at).toISOString(),
      eventIdOfKey,
    },
    items: ({ skip = 0, signal, resume, onWait } = {}) => toldOfWaits(client, onWait, resume
      ? reader.items({ window: windowOf(resume.window), congresses: congressesOf(resume.window, congresses) }, Math.max(0, skip), signal, resume)
      : reader.items({ window, congresses }, Math.max(0, skip), signal, undefined)),
  };
}

/** The items, with the client's waits told to `onWait` while they are read (and no longer once reading ends). */
async function* toldOfWaits(client: CongressClient, onWait: ((wait: RunWait | null) => void) | undefined, items: AsyncIterable<SourceItem>): AsyncIterable<SourceItem> {
  const stopWatching = onWait ? client.watchWaits(onWait) : () => undefined;
  try {
    yield* items;
  } finally {
    stopWatching();
  }
}

/** The Congress named, or every one sitting during the window. */
function listedCongresses(window: LookbackWindow, named: number | undefined): readonly number[] {
  return named === undefined ? congressesSitting(window) : [named];
}

/**
 * A default run lists every Congress that sat during its lookback window (`congressesSitting`):
 * on 5 January with a 7-day lookback, meetings updated from 29 December belong to the previous
 * Congress, and listing only the new one would miss them without a word. A meeting of the previous
 * Congress updated after the new one began (a transcript posted late) is in the window too, so the
 * previous Congress is listed over the whole window, not only up to the 3 January noon.
 */
interface Listing {
  window: LookbackWindow;
  congresses: readonly number[];
}

/** The Congresses a run recorded, for its resume; a run recorded without them (never since 016) lists this source's. */
function congressesOf(recorded: SourceWindow, fallback: readonly number[]): readonly number[] {
  const listed = recordedCongresses(recorded);
  return listed.length > 0 ? listed : fallback;
}

/** The window a run recorded, as the reader lists it; one that cannot be read is refused, never guessed. */
function windowOf(recorded: SourceWindow): LookbackWindow {
  const window = recordedWindow(recorded);
  if (!window) {
    throw new GatehouseError('CONFLICT', `the run's recorded Congress.gov window (${recorded.from} to ${recorded.to}) cannot be read`, {
      hint: 'start a new run instead: records already stored are classified unchanged, nothing is written twice',
    });
  }
  return window;
}

/**
 * A listed meeting's eventId as the detail request and the record rules spell it; null when it has
 * no usable one. Past 2^53 JSON.parse has already rounded a number: asking for that detail would ask
 * for a meeting nobody listed.
 */
function listedEventId(listed: Record<string, unknown>): string | null {
  const { eventId } = listed;
  const text = typeof eventId === 'string' || (typeof eventId === 'number' && Number.isSafeInteger(eventId)) ? String(eventId) : null;
  // "061" and 61 are one meeting (canonicalEventId): listed, asked for and matched with its detail as one.
  return text === null ? null : canonicalEventId(text);
}

/**
 * What a resume knows a listed meeting by: `congress/chamber/eventId`, the path Congress.gov
 * addresses a meeting by (`committee-meeting/118/house/115538`) — an eventId alone may be listed by
 * two chambers, and a resume skipped the second as handled. An entry without a usable eventId
 * (rejected by the record rules) is known by a digest of the entry.
 */
function itemKey(congress: number, chamber: ChamberPath, listed: Record<string, unknown>): string {
  const eventId = listedEventId(listed);
  if (eventId !== null) return `${congress}/${chamber}/${eventId}`;
  return `entry:${crypto.createHash('sha256').update(JSON.stringify(listed)).digest('hex').slice(0, 32)}`;
}

/** The eventId of `itemKey`'s `congress/chamber/eventId`, or of a bare eventId key (HandledBefore); null for an `entry:` digest. */
function eventIdOfKey(key: string): string | null {
  const last = key.slice(key.lastIndexOf('/') + 1);
  return /^\d+$/.test(last) ? canonicalEventId(last) : null;
}

/**
 * What a resume reads past. Runs begun by Gatehouse versions with migrations 016 to 018 recorded
 * a meeting's bare eventId: such a key stands for the first meeting listed with that eventId. Those
 * versions listed the chambers in the same order and committed their batches in listing order, so
 * that is the meeting they handled; the same eventId in a later chamber is read, never skipped unread.
 */
class HandledBefore {
  private readonly claimedByBareKey = new Set<string>();

  constructor(private readonly handled: ResumeByIdentity['handled']) {}

  has(key: string, eventId: string | null): boolean {
    if (this.handled.has(key)) return true;
    if (eventId === null || this.claimedByBareKey.has(eventId) || !this.handled.has(eventId)) return false;
    this.claimedByBareKey.add(eventId);
    return true;
  }
}

class MeetingReader {
  /** The chamber listings whose pagination still gave a next link once their count was met (`nextPastCount`). */
  private readonly listedPastNext: string[] = [];
  /** The chamber listings whose last pass still listed meetings no earlier pass had (`LISTING_PASSES`). */
  private readonly stillMoving: string[] = [];
  /**
   * Asked again to tell a server that is down from a meeting that fails: the last detail the server
   * answered — a server down for details may still answer list pages — or, when none was, a list page.
   */
  private lastDetailAnswered: AnsweredRequest | null = null;
  private lastPageAnswered: AnsweredRequest | null = null;

  constructor(
    private readonly client: CongressClient,
    private readonly stats: CongressFetchStats,
    private readonly apiKey: string,
  ) {}

  /**
   * A new run reads every listed meeting from position 0 (`skip` past the first ones). A resume
   * reads past the meetings its run handled, by key, and numbers the others from `skip` on: the
   * listing fetched again may have gained, lost or reordered meetings since, so its positions are
   * not the ones the run checkpointed.
   */
  async *items(listing: Listing, skip: number, signal: AbortSignal | undefined, resume: ResumeByIdentity | undefined): AsyncIterable<SourceItem> {
    const handled = resume ? new HandledBefore(resume.handled) : null;
    const heldBack = new ServerFailures(this.stats);
    let position = resume ? skip : 0;
    try {
      for await (const { congress, chamber, listed } of this.listedInWindow(listing, signal)) {
        const key = itemKey(congress, chamber, listed);
        // Handled by an earlier attempt of this run (by key on a resume, by position otherwise): no detail needed.
        if (handled?.has(key, listedEventId(listed))) {
          this.stats.handledBefore++;
          continue;
        }
        if (position >= skip) {
          const meeting = { congress, chamber, listed, key };
          const item = await this.keyedDetailItem(meeting, position, signal);
          if (!heldBack.holds(item, meeting)) {
            yield* heldBack.released();
            yield item;
          }
        }
        position++;
      }
      yield* this.heldAtListingEnd(heldBack, signal);
    } catch (error) {
      heldBack.drop();
      if (error instanceof CongressFetchError && error.reason === 'aborted') return;
      throw error;
    } finally {
      this.stats.requests = this.client.requestsSent;
      this.reportOddities();
    }
  }

  private async keyedDetailItem(meeting: ListedMeeting, position: number, signal: AbortSignal | undefined): Promise<SourceItem> {
    const item = await this.detailItem(meeting.congress, meeting.chamber, meeting.listed, position, signal);
    item.key = meeting.key;
    item.raw = withoutApiKey(item.raw, this.apiKey);
    return item;
  }

  /**
   * The details still held when the listing ends: no later detail showed the server up after them,
   * so each is asked for once more. Those that fail again are the meetings' own only when the server
   * then answers what it answered before (`lastDetailAnswered`); else it is down, and the run
   * stops (dropping them) so that its resume asks again, rather than blame the outage on them.
   */
  private async *heldAtListingEnd(heldBack: ServerFailures, signal: AbortSignal | undefined): AsyncIterable<SourceItem> {
    const held = heldBack.releasedToAskAgain();
    for (const { item, meeting } of held) {
      const again = await this.keyedDetailItem(meeting, item.position, signal);
      if (!heldBack.holds(again, meeting)) {
        yield* heldBack.released();
        yield again;
      }
    }
    if (heldBack.count > 0) await this.checkServerAnswers(heldBack.count, signal);
    yield* heldBack.released();
  }

  /** Asks again for what the server last answered; throws when it fails as a server that is down fails. */
  private async checkServerAnswers(failedDetails: number, signal: AbortSignal | undefined): Promise<void> {
    const answered = this.lastDetailAnswered ?? this.lastPageAnswered;
    try {
      if (answered === null) throw new CongressFetchError('network', 'Congress.gov answered no request of this run');
      await this.client.getParsedJson(answered.path, answered.query, signal);
    } catch (error) {
      if (!isServerFailure(error)) {
        if (endsTheRun(error)) throw error;
        return;
      }
      const { reason, status, message } = error as CongressFetchError;
      const asked = answered === null ? '' : ` then failed ${answered.path}, which it had answered before`;
      throw new CongressFetchError(reason, `Congress.gov failed ${counted(failedDetails, 'meeting detail')} at the end of the listing twice, and${asked}: the server is down, not those meetings (${message})`, status);
    } finally {
      this.stats.requests = this.client.requestsSent;
    }
  }

  /** The meetings listed as updated inside the window, each Congress's chambers in turn; one listed twice, once. */
  private async *listedInWindow({ window, congresses }: Listing, signal: AbortSignal | undefined): AsyncIterable<{ congress: number; chamber: ChamberPath; listed: Record<string, unknown> }> {
    const seen = new Set<string>();
    for (const congress of congresses) {
      for (const chamber of CONGRESS_CHAMBERS) {
        for await (const { listed, relisted } of this.listChamber(congress, chamber, window, signal)) {
          if (!updatedInside(window, listed.updateDate)) {
            this.stats.outsideWindow++;
            continue;
          }
          const listing = `${congress}/${chamber}/${listedEventId(listed) ?? String(listed.eventId)}`;
          if (seen.has(listing)) {
            if (relisted === 'page-read-again') this.stats.listedAgainOnPagesReadAgain++;
            else if (relisted === 'past-count') this.stats.listedAgainPastCount++;
            else this.stats.duplicatesSkipped++;
            continue;
          }
          seen.add(listing);
          if (relisted === 'later-pass') this.stats.listedOnLaterPass++;
          yield { congress, chamber, listed };
        }
      }
    }
  }

  /**
   * A feed that shifted, repeated or disagreed with its own count while it was listed may have hidden
   * meetings: the operator hears of it in the run's summary, not only in the log. Each chamber whose
   * pagination ran past its count was logged as it ended (`ChamberListing.ended`).
   */
  warnings(): SourceWarning[] {
    const { duplicatesSkipped, repeatedPages, pagesReadAgain, listedAgainOnPagesReadAgain, listedAgainPastCount, listedTwiceOnOnePage } = this.stats;
    const warnings: SourceWarning[] = [];
    const fetchedOnce = (listedAgain: number) => listedAgain === 0 ? '' : `; the ${counted(listedAgain, 'meeting')} they listed again ${listedAgain === 1 ? 'was' : 'were'} fetched once`;
    const listedPastNext = this.listedPastNext.length;
    if (listedPastNext > 0) warnings.push({ code: 'NEXT_PAST_COUNT', count: listedPastNext, message: `Congress.gov's pagination still gave a next page after every meeting it counted was listed (${this.listedPastNext.join(', ')}); its next pages were read until they listed nothing new, so no meeting the count left out was passed over${fetchedOnce(listedAgainPastCount)}` });
    if (pagesReadAgain > 0) warnings.push({ code: 'PAGES_READ_AGAIN', count: pagesReadAgain, message: `Congress.gov's listing shrank while it was read (meetings updated since the window's end left it); ${counted(pagesReadAgain, 'list page')} asked for again from further back, so no meeting behind them was passed over${fetchedOnce(listedAgainOnPagesReadAgain)}` });
    if (repeatedPages > 0) warnings.push({ code: 'REPEATED_PAGES', count: repeatedPages, message: `Congress.gov served ${counted(repeatedPages, 'list page')} listing nothing new; one the count does not explain, or two in a row, stop the run, and one the count explains may have hidden meetings that moved while the list was read` });
    else if (duplicatesSkipped > 0) warnings.push({ code: 'LISTED_TWICE', count: duplicatesSkipped, message: `Congress.gov listed ${counted(duplicatesSkipped, 'meeting')} twice (${listedTwiceWhy(listedTwiceOnOnePage)}); each was fetched once` });
    const moved = this.listingMoved();
    if (moved) warnings.push(moved);
    return warnings;
  }

  /** Meetings only a later pass over a chamber's pages listed, and the listings still moving on their last pass (`listChamber`). */
  private listingMoved(): SourceWarning | null {
    const { listedOnLaterPass } = this.stats;
    const stillMoving = this.stillMoving.length;
    if (listedOnLaterPass === 0 && stillMoving === 0) return null;
    const found = listedOnLaterPass === 0 ? 'no meeting inside the window was' : `${counted(listedOnLaterPass, 'meeting')} the first pass over its pages passed over ${listedOnLaterPass === 1 ? 'was' : 'were'}`;
    const stillMovingOnLastPass = { passes: LISTING_PASSES, listings: [...this.stillMoving] };
    const still = stillMoving === 0 ? '' : `; it ${stillMovingWords(stillMovingOnLastPass)}, so meetings may still be missing: this run's window is not counted as covered`;
    const warning: SourceWarning = { code: 'LISTING_MOVED', count: listedOnLaterPass > 0 ? listedOnLaterPass : stillMoving, message: `Congress.gov's listing moved while it was read (meetings added or removed ahead of the pages already read); ${found} listed by reading it again from its start, and fetched${still}` };
    // A meeting the last pass missed is never listed again by a later run unless that run reaches back over this window.
    return stillMoving === 0 ? warning : { ...warning, windowCovered: false, stillMovingOnLastPass };
  }

  private reportOddities(): void {
    const { duplicatesSkipped, repeatedPages, pagesReadAgain } = this.stats;
    for (const { code, message } of this.warnings()) {
      if (code === 'REPEATED_PAGES') log.warn(message, { repeatedPages, duplicatesSkipped });
      else if (code === 'PAGES_READ_AGAIN') log.info(message, { pagesReadAgain });
      else if (code === 'LISTED_TWICE') log.info(message, { duplicatesSkipped });
      else if (code === 'LISTING_MOVED') log.warn(message, { listedOnLaterPass: this.stats.listedOnLaterPass, stillMoving: this.stillMoving.join(', ') });
    }
  }

  /**
   * Each listed meeting, and why it may be listed again by design (`ChamberListing.relisted`). A
   * listing of more than one page is listed again from its start (`LISTING_PASSES`): a meeting added
   * ahead of the pages already read, or one removed there while another was added behind, moves the
   * meetings across a page boundary without the count or any repeat showing it, and the first pass
   * never lists the one that moved. The later pass yields only the meetings no earlier pass listed.
   */
  private async *listChamber(congress: number, chamber: ChamberPath, window: LookbackWindow, signal: AbortSignal | undefined): AsyncIterable<{ listed: Record<string, unknown>; relisted: Relisted }> {
    const path = `committee-meeting/${congress}/${chamber}`;
    const listing = new ChamberListing(path, this.stats, this.listedPastNext);
    const listedBefore = new Set<string>();
    let pages = 0;
    for await (const page of this.pagesOf(path, window, listing, signal)) {
      pages++;
      for (const listed of page.meetings) {
        listedBefore.add(listingKey(listed));
        yield { listed, relisted: listing.relisted(listed) };
      }
    }
    for (let pass = 2; pages > 1 && pass <= LISTING_PASSES; pass++) {
      // Its own oddities were said by the first pass: a later pass only looks for what that one missed.
      const again = new ChamberListing(path, noStats(), []);
      let found = 0;
      pages = 0;
      for await (const page of this.pagesOf(path, window, again, signal)) {
        pages++;
        for (const listed of page.meetings) {
          const key = listingKey(listed);
          if (listedBefore.has(key)) continue;
          listedBefore.add(key);
          found++;
          yield { listed, relisted: 'later-pass' };
        }
      }
      if (found === 0) return;
      if (pass === LISTING_PASSES) this.stillMoving.push(path);
    }
  }

  /** The pages of one listing from its start, each read before `listing` says where the next starts. */
  private async *pagesOf(path: string, window: LookbackWindow, listing: ChamberListing, signal: AbortSignal | undefined): AsyncIterable<ListPage> {
    for (let offset: number | null = 0; offset !== null; ) {
      if (signal?.aborted) return;
      const page = await this.listPage(path, window, offset, signal);
      yield page;
      offset = listing.nextOffset(offset, page);
    }
  }

  /** One list page of `path`, read; a page that repeats a key is refused before any of it is used. */
  private async listPage(path: string, window: LookbackWindow, offset: number, signal: AbortSignal | undefined): Promise<ListPage> {
    const query = { fromDateTime: congressDateTime(window.from), toDateTime: congressDateTime(window.to), limit: PAGE_SIZE, offset };
    const { value: page, repeated } = await this.client.getParsedJson(path, query, signal);
    this.lastPageAnswered = { path, query };
    this.stats.listPages++;
    this.stats.requests = this.client.requestsSent;
    if (repeated !== null) throw listPageRepeatsAKey(path, offset, page, repeated);
    return readListPage(page, `${path}?offset=${offset}`);
  }

  private async detailItem(congress: number, chamber: ChamberPath, listed: Record<string, unknown>, position: number, signal: AbortSignal | undefined): Promise<SourceItem> {
    const eventId = listedEventId(listed);
    const listedItem = limitedItem(position, listed);
    // Without a usable eventId there is no detail to ask for; the record rules reject the list item, saying why.
    if (listedItem.error || eventId === null || eventIdProblem(listed.eventId) !== null) return listedItem;
    try {
      const path = `committee-meeting/${congress}/${chamber}/${eventId}`;
      const { value: detail, repeated } = await this.client.getParsedJson(path, {}, signal);
      this.lastDetailAnswered = { path, query: {} };
      const meeting = (detail as { committeeMeeting?: unknown } | null)?.committeeMeeting;
      const outside = repeated === null ? null : repeatedKeyOutsideRecords(detail, [meeting], repeated);
      if (outside !== null) return { position, raw: redacted(listed), error: { code: 'DUPLICATE_KEY', message: `the detail of meeting ${eventId}: ${outside}` } };
      if (typeof meeting !== 'object' || meeting === null || Array.isArray(meeting)) {
        return this.fetchFailed(position, listed, `the detail of meeting ${eventId} has no committeeMeeting object`);
      }
      // Stored under another meeting's id, it would overwrite that hearing, or push it out as a duplicate.
      const describes = (meeting as { eventId?: unknown }).eventId;
      if ((typeof describes === 'string' || typeof describes === 'number') && listedEventId({ eventId: describes }) !== eventId) {
        return this.fetchFailed(position, listed, `the detail of meeting ${eventId} describes meeting ${String(describes)} instead`);
      }
      this.stats.detailsFetched++;
      return limitedItem(position, meeting, undefined, repeated);
    } catch (error) {
      if (endsTheRun(error)) throw error;
      // Listed a moment ago, so a 404 is the meeting gone from Congress.gov since, not a detail path Gatehouse got wrong.
      const gone = error instanceof CongressFetchError && error.status === 404 ? `it was deleted or moved since it was listed (${error.message})` : (error as Error).message;
      const message = `detail of meeting ${eventId} could not be fetched: ${gone}`;
      if (error instanceof CongressFetchError && error.rejection !== null) return { position, raw: redacted(listed), error: { code: error.rejection, message } };
      const item = this.fetchFailed(position, listed, message);
      if (isServerFailure(error)) serverFailures.add(item);
      return item;
    } finally {
      this.stats.requests = this.client.requestsSent;
    }
  }

  private fetchFailed(position: number, listed: Record<string, unknown>, message: string): SourceItem {
    this.stats.fetchErrors++;
    return { position, raw: redacted(listed), error: { code: 'FETCH_FAILED', message: redactSecrets(message) } };
  }
}

/** Details that failed as a server that is down fails every request: a 5xx, a timeout, a lost connection, a body that is no JSON. */
const serverFailures = new WeakSet<SourceItem>();

function isServerFailure(error: unknown): boolean {
  if (!(error instanceof CongressFetchError) || error.rejection !== null) return false;
  if (error.reason === 'http') return (error.status ?? 0) >= 500;
  return error.reason === 'timeout' || error.reason === 'network' || error.reason === 'malformed';
}

/**
 * The details that failed as a server that is down fails, since the last one fetched. A server that
 * is down fails each detail in turn until the circuit breaker opens and ends the run: quarantined as
 * they failed, those meetings were blamed for the outage, and a resume read past them as handled.
 * They are held until a later detail is fetched (the server is up: they failed on their own, and are
 * quarantined in order) or the listing ends (`heldAtListingEnd` asks again); a run that stops drops
 * them, and its resume asks again.
 */
class ServerFailures {
  private held: HeldDetail[] = [];

  constructor(private readonly stats: CongressFetchStats) {}

  get count(): number {
    return this.held.length;
  }

  holds(item: SourceItem, meeting: ListedMeeting): boolean {
    if (!serverFailures.has(item)) return false;
    this.held.push({ item, meeting });
    return true;
  }

  released(): SourceItem[] {
    const items = this.held.map(({ item }) => item);
    this.held = [];
    return items;
  }

  /** The held details, no longer counted as fetch errors: each is asked for again, and counted as it then ends. */
  releasedToAskAgain(): HeldDetail[] {
    const held = this.held;
    this.stats.fetchErrors -= held.length;
    this.held = [];
    return held;
  }

  drop(): void {
    this.stats.fetchErrors -= this.held.length;
    this.held = [];
  }
}

/** A listed meeting whose detail is asked for, and what a resume knows it by (`itemKey`). */
interface ListedMeeting {
  congress: number;
  chamber: ChamberPath;
  listed: Record<string, unknown>;
  key: string;
}

interface AnsweredRequest {
  path: string;
  query: Record<string, string | number>;
}

interface HeldDetail {
  item: SourceItem;
  meeting: ListedMeeting;
}

/** A list item as quarantine keeps it: any key the server echoed in a URL removed. */
function redacted(listed: Record<string, unknown>): unknown {
  return JSON.parse(redactSecrets(JSON.stringify(listed))) as unknown;
}

/**
 * A record as the server sent it, but for the API key wherever the server echoed it (a `url` given
 * back with `?api_key=…`, a note naming the key): every item is stored or quarantined, and shown.
 */
function withoutApiKey(raw: unknown, apiKey: string): unknown {
  if (typeof raw === 'string') return redactKnownSecret(raw, apiKey);
  const text = JSON.stringify(raw) as string | undefined;
  if (text === undefined) return raw;
  const redactedText = redactKnownSecret(text, apiKey);
  return redactedText === text ? raw : (JSON.parse(redactedText) as unknown);
}

/**
 * A refused key, an open circuit, a stop request or a server that asked us to stay away longer than
 * we wait concern every record, not just this one: asking for the next detail at once would ignore
 * its Retry-After, and quarantine every remaining meeting for the server's state. So does a 429
 * that outlasted every retry: the server limits this client, not this meeting (and rate-limiting
 * never opens the circuit breaker, so nothing else would stop it).
 */
function endsTheRun(error: unknown): boolean {
  if (!(error instanceof GatehouseError)) return true;
  if (error.code === 'SOURCE_AUTH_REFUSED') return true;
  if (!(error instanceof CongressFetchError)) return false;
  return error.reason === 'circuit-open' || error.reason === 'aborted' || error.reason === 'rate-limited' || error.askedToWaitMs !== null;
}

/**
 * One chamber's listing as its pages arrive: where the next page starts, or that the listing is
 * complete; a listing that cannot be trusted to be complete (it stops short, repeats itself, goes
 * back or keeps shrinking) throws instead, so the run stops rather than claiming the window covered.
 */
class ChamberListing {
  private readonly listed = new Set<string>();
  /** Meetings listed on a page whose count had fallen: the page read again after it lists them again. */
  private readonly listedBeforeReadingAgain = new Set<string>();
  private repeatedInARow = 0;
  private emptyInARow = 0;
  private countBefore: number | null = null;
  private largestCount = 0;
  /** Meetings the count lost while this chamber was listed: more than it ever held is no listing that shrank. */
  private shrunkInAll = 0;
  private readingAgain = false;
  /** The pagination gave a `next` link once the count was met (`ended`). */
  private pastCount = false;

  constructor(
    private readonly path: string,
    private readonly stats: CongressFetchStats,
    /** Where this listing names itself when its pagination runs past its count. */
    private readonly listedPastNext: string[],
  ) {}

  /** The offset to ask for after the page read at `pageOffset`, or null when the listing is complete. */
  nextOffset(pageOffset: number, page: ListPage): number | null {
    const { meetings, count } = page;
    const grewBy = count !== null && this.countBefore !== null ? count - this.countBefore : null;
    this.countBefore = count;
    this.largestCount = Math.max(this.largestCount, count ?? 0);
    const readAgain = this.readingAgain;
    this.readingAgain = false;
    // A meeting a page lists twice may hold a place in the server's listing, or take the place of one it
    // left out: the next page starts after the page's distinct meetings, so the one left out is listed
    // there, and a repeat that held a place is only listed again (and fetched once).
    const offset = pageOffset + meetings.length - this.listedTwiceOnOnePage(meetings);
    const firstListed = this.noteListed(meetings);
    const shrankBy = grewBy !== null && grewBy < 0 ? -grewBy : 0;
    if (shrankBy > 0 && pageOffset > 0 && (firstListed > 0 || meetings.length === 0 || readAgain)) {
      for (const meeting of meetings) this.listedBeforeReadingAgain.add(listingKey(meeting));
      return this.readAgainBefore(pageOffset, shrankBy);
    }
    if (this.ended(offset, page, firstListed)) return null;
    if (meetings.length === 0) {
      if (++this.emptyInARow >= EMPTY_PAGES_THAT_FAIL_A_LISTING) throw listingStoppedShort(this.path, offset, count);
      return offset;
    }
    this.emptyInARow = 0;
    if (firstListed > 0) {
      this.repeatedInARow = 0;
      return offset;
    }
    this.noteRepeatedPage(offset, meetings.length, count, grewBy, readAgain);
    return offset;
  }

  /**
   * Why `meeting`, if listed before, is listed again by design rather than by the listing shifting
   * under it: it is the overlap of a page read again from further back (that page, and the pages after
   * it that list the meetings of the page whose count had fallen once more), or on a page a next link
   * past the count led to. The summary reports those once, as the page read again or the next link.
   */
  relisted(meeting: Record<string, unknown>): Relisted {
    if (this.readingAgain || this.listedBeforeReadingAgain.has(listingKey(meeting))) return 'page-read-again';
    return this.pastCount ? 'past-count' : null;
  }

  /** The entries of one page that repeat a meeting listed earlier on the same page (`stats.listedTwiceOnOnePage`). */
  private listedTwiceOnOnePage(meetings: Record<string, unknown>[]): number {
    const repeats = meetings.length - new Set(meetings.map(listingKey)).size;
    this.stats.listedTwiceOnOnePage += repeats;
    return repeats;
  }

  private noteListed(meetings: Record<string, unknown>[]): number {
    let firstListed = 0;
    for (const meeting of meetings) if (firstListing(this.listed, meeting)) firstListed++;
    return firstListed;
  }

  /**
   * Meetings that left the listing (updated after the window's end) moved those behind them
   * forward, past the offset just read: the page is read again from as far back as they moved.
   */
  private readAgainBefore(pageOffset: number, shrankBy: number): number {
    this.shrunkInAll += shrankBy;
    if (this.shrunkInAll > this.largestCount) throw listingKeptShrinking(this.path, pageOffset, this.shrunkInAll, this.largestCount);
    this.stats.pagesReadAgain++;
    this.readingAgain = true;
    return Math.max(0, pageOffset - shrankBy);
  }

  /**
   * The count, when the page gives one, says when the listing is complete — unless the pagination
   * still gives a `next` link: a count that understates the feed would otherwise end the listing
   * with meetings still behind it, lost without a word. Past its count the listing goes on while a
   * `next` is given and a page lists a meeting not listed before; the empty page (or the page of
   * repeats) such a link may lead to ends it, rather than stopping the run as a listing cut short.
   * Without a count or a `next` only a page shorter than asked for ends it: a full page may be
   * followed by more.
   */
  private ended(offset: number, { meetings, count, hasNext }: ListPage, firstListed: number): boolean {
    if (count !== null && offset >= count) {
      if (!hasNext) return true;
      if (!this.pastCount) {
        this.pastCount = true;
        this.stats.nextPastCount++;
        this.listedPastNext.push(this.path);
        log.warn(`Congress.gov's pagination of ${this.path} still gave a next page after all ${counted(count, 'meeting')} it counted were listed; its next pages are read until they list nothing new`, { path: this.path, offset, count });
      }
      return firstListed === 0;
    }
    if (hasNext || count !== null) return false;
    return meetings.length < PAGE_SIZE;
  }

  /** A page read again on purpose repeats what it lists when the meetings that left were behind it. */
  private noteRepeatedPage(offset: number, repeats: number, count: number | null, grewBy: number | null, readAgain: boolean): void {
    if (!readAgain) {
      this.stats.repeatedPages++;
      // Meetings that moved to the front push a page's worth back, and the count grows by as many.
      // A page of repeats the count does not account for is the listing going back to its start:
      // paging on would end at the count without the meetings it promised here.
      if (grewBy !== null && grewBy < repeats) throw listingWentBack(this.path, offset - repeats, repeats, count!, grewBy);
    }
    if (++this.repeatedInARow >= REPEATED_PAGES_THAT_END_A_LISTING) throw listingRepeated(this.path, offset, count);
  }
}

/** Why a meeting is listed again by design (`ChamberListing.relisted`), or that a later pass listed it first (`listChamber`). */
type Relisted = 'page-read-again' | 'past-count' | 'later-pass' | null;

/** Stats before anything is read (a later pass over a listing counts its own, never reported). */
function noStats(): CongressFetchStats {
  return { requests: 0, listPages: 0, detailsFetched: 0, fetchErrors: 0, outsideWindow: 0, duplicatesSkipped: 0, repeatedPages: 0, handledBefore: 0, pagesReadAgain: 0, listedAgainOnPagesReadAgain: 0, listedAgainPastCount: 0, nextPastCount: 0, listedTwiceOnOnePage: 0, listedOnLaterPass: 0 };
}

/** Why meetings were listed twice: the list shifted between two pages, or a page gave one twice itself. */
function listedTwiceWhy(onOnePage: number): string {
  if (onOnePage === 0) return 'the list shifted while it was read';
  return `${counted(onOnePage, 'entry', 'entries')} repeated a meeting on the same page; the page after each such page was asked for from after its distinct meetings, so none the repeats stood in for was passed over`;
}

/** What one chamber's listing knows a meeting by; an entry without an eventId, by its content. */
function listingKey(meeting: Record<string, unknown>): string {
  const eventId = listedEventId(meeting);
  return eventId !== null ? `id:${eventId}` : `entry:${JSON.stringify(meeting)}`;
}

/** Notes `meeting` as listed and says whether it was new; an entry without an eventId counts by its content. */
function firstListing(listed: Set<string>, meeting: Record<string, unknown>): boolean {
  const key = listingKey(meeting);
  if (listed.has(key)) return false;
  listed.add(key);
  return true;
}

function listingStoppedShort(path: string, offset: number, count: number | null): CongressFetchError {
  const promised = count === null ? 'a next page' : `${count} meetings`;
  return new CongressFetchError('malformed', `Congress.gov listed no meetings at offset ${offset} of ${path} twice in a row while its pagination promised ${promised}; the meetings after them would be missed`);
}

function listingKeptShrinking(path: string, offset: number, shrunk: number, largest: number): CongressFetchError {
  return new CongressFetchError('malformed', `Congress.gov served list page offset=${offset} of ${path} with a count that had fallen by ${shrunk} meetings in all while the listing was read, more than the ${largest} it ever counted; the listing cannot be trusted and meetings would be missed`);
}

function listingWentBack(path: string, offset: number, repeats: number, count: number, grewBy: number): CongressFetchError {
  const growth = grewBy === 0 ? 'while its count stayed' : `while its count went from ${count - grewBy} to`;
  return new CongressFetchError('malformed', `Congress.gov served list page offset=${offset} of ${path} with only meetings it had already listed (${repeats}) ${growth} ${count}; the listing went back, and the meetings after them would be missed`);
}

/**
 * A list page in which an object gives a key twice: JSON.parse keeps the last value, so a repeated
 * `next` could end the listing early, and a listed meeting's repeated `eventId` fetch another
 * meeting's detail, each without a word. Which value the server meant cannot be told: the page is
 * not read, and the run stops before any of its meetings is fetched (as a listing that stops short does).
 */
function listPageRepeatsAKey(path: string, offset: number, page: unknown, repeated: RepeatedKeys): CongressFetchError {
  const where = firstRepeatedKey(page, repeated, 'the page') ?? 'an object of the page gives a key twice';
  return new CongressFetchError('malformed', `Congress.gov served list page offset=${offset} of ${path} in which ${where}; the page is not read`);
}

function listingRepeated(path: string, offset: number, count: number | null): CongressFetchError {
  const promised = count === null ? 'a next page' : `${count} meetings`;
  return new CongressFetchError('malformed', `Congress.gov served list pages of ${path} that listed only meetings it had already listed, ${REPEATED_PAGES_THAT_END_A_LISTING} in a row up to offset ${offset}, while its pagination promised ${promised}; the listing cannot be trusted and the meetings after them would be missed`);
}

interface ListPage {
  meetings: Record<string, unknown>[];
  count: number | null;
  hasNext: boolean;
}

function readListPage(page: unknown, shown: string): ListPage {
  const body = page as { committeeMeetings?: unknown; pagination?: { count?: unknown; next?: unknown } } | null;
  const meetings = body?.committeeMeetings;
  if (!Array.isArray(meetings)) {
    throw new GatehouseError('SOURCE_FETCH_FAILED', `Congress.gov answered ${shown} without a committeeMeetings list`);
  }
  const count = body?.pagination?.count;
  const next = body?.pagination?.next;
  return {
    // A non-object entry stays in the stream so the record rules reject it visibly.
    meetings: meetings.map((entry: unknown) => (typeof entry === 'object' && entry !== null ? entry : { value: entry }) as Record<string, unknown>),
    count: typeof count === 'number' && Number.isFinite(count) ? count : null,
    hasNext: typeof next === 'string' && next !== '',
  };
}
