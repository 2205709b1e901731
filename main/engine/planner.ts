import type { FieldChange, NormalizedHearing, Rejection } from '../../shared/record.js';
import { counted } from '../../shared/plural.js';
import { eventIdOf, type SourceItem } from '../sources/index.js';
import type { PlannedChange, StoredHearing } from '../store/index.js';
import { classify } from './classify.js';
import { CommitteeNamesGiven } from './committee-names.js';
import { quarantinedRaw } from './quarantine-raw.js';
import type { RunRules } from './run-rules.js';

/** One source item after the record rules and classification. */
export type PlannedItem =
  | { position: number; outcome: 'change'; change: PlannedChange }
  | { position: number; outcome: 'unchanged' }
  | { position: number; outcome: 'rejected'; eventId: string | null; reasons: Rejection[]; raw: unknown };

/**
 * Turns windows of source items into planned items: the run's record rules first (`RunRules`: in
 * source order, a repeated eventId a duplicate however far apart the two are), then one database
 * lookup per window to classify what passed.
 */
export class RunPlanner {
  constructor(
    /** The stored hearings of these eventIds (retried by the caller on a transient fault). */
    private readonly loadHearings: (eventIds: string[]) => Promise<Map<string, StoredHearing>>,
    private readonly rules: RunRules,
  ) {}

  /** Why records were rejected, by code, with one message each: explains a run that stored nothing. */
  private readonly rejections = new Map<string, { count: number; example: string }>();

  /** The most frequent rejection so far (in this process: a resumed run counts from the resume). */
  mostCommonRejection(): { code: string; count: number; example: string } | null {
    let top: { code: string; count: number; example: string } | null = null;
    for (const [code, seen] of this.rejections) if (top === null || seen.count > top.count) top = { code, ...seen };
    return top;
  }

  /** Records that listed an entry twice alike (stored once), with the first such record's repeats: said when the run ends. */
  private repeats: { records: number; example: string } | null = null;

  /** What the records read so far repeated alike, as the run's warning says it; null when none did (in this process, as `mostCommonRejection`). */
  repeatedEntries(): string | null {
    if (this.repeats === null) return null;
    const { records, example } = this.repeats;
    return `${counted(records, 'record')} listed a committee or witness twice without conflicting details; each was stored once, with every detail its entries give (e.g. ${example})`;
  }

  /** The committee names the records the run writes give (in this process, as `mostCommonRejection`): told beside the stored ones when the run ends. */
  readonly committeeNames = new CommitteeNamesGiven();

  private noteRepeats(hearing: NormalizedHearing, repeats: string[]): void {
    if (this.repeats === null) this.repeats = { records: 1, example: `eventId ${hearing.eventId}: ${repeats.join(', ')}` };
    else this.repeats.records += 1;
  }

  async plan(window: SourceItem[]): Promise<PlannedItem[]> {
    const judged = window.map((item) => ({ item, judgement: item.error ? null : this.rules.judge(item.raw) }));
    const ids = judged.flatMap(({ judgement }) => (judgement?.ok ? [judgement.hearing.eventId] : []));
    const stored = ids.length > 0 ? await this.loadHearings(ids) : new Map();
    return judged.map(({ item, judgement }): PlannedItem => {
      if (item.error) return this.reject(item, item.eventId ?? eventIdOf(item.raw), [item.error]);
      if (!judgement!.ok) return this.reject(item, judgement!.eventId ?? eventIdOf(item.raw), judgement!.reasons);
      const hearing = judgement!.hearing;
      if (judgement!.repeats !== undefined) this.noteRepeats(hearing, judgement!.repeats);
      const before = stored.get(hearing.eventId);
      const classification = before === undefined ? null : classify(hearing, before);
      if (classification?.kind === 'unchanged') return { position: item.position, outcome: 'unchanged' };
      this.committeeNames.note(hearing);
      // Nothing stored to compare with: the hash is read from the stored JSON as the row is written.
      if (classification === null) return changed(item, 'added', hearing, null, []);
      const diff = classification.kind === 'updated' ? classification.diff : [];
      return changed(item, classification.kind, hearing, classification.hash, diff);
    });
  }

  private reject(item: SourceItem, eventId: string | null, reasons: Rejection[]): PlannedItem {
    const first = reasons[0];
    if (first) {
      const seen = this.rejections.get(first.code);
      if (seen) seen.count += 1;
      else this.rejections.set(first.code, { count: 1, example: first.message });
    }
    return rejected(item, eventId, reasons);
  }
}

/** One object literal, not a spread: a spread copy cost ≈ 2 µs a change and made larger objects, which a filling batch carries through every scavenge. */
function changed(item: SourceItem, kind: PlannedChange['kind'], hearing: NormalizedHearing, contentHash: string | null, diff: FieldChange[]): PlannedItem {
  return { position: item.position, outcome: 'change', change: { kind, hearing, contentHash, position: item.position, raw: item.raw, diff } };
}

/** Bounded here, not when the batch closes: a window of rejected 3 MB records must not sit in memory. */
function rejected(item: SourceItem, eventId: string | null, reasons: Rejection[]): PlannedItem {
  return { position: item.position, outcome: 'rejected', eventId, reasons, raw: quarantinedRaw(item.raw) };
}
