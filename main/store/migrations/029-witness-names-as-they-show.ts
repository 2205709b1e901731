import type { Db } from '../driver.js';
import type { Migration } from './index.js';
import { moveAppearances, renameInBeforeImages, rewriteHearingBeforeImages } from './witness-merges.js';

/**
 * Witnesses stored by a Gatehouse from before a witness's identity left out the characters that show
 * nothing: "Jane Doe\u200B" (a zero-width space) was a witness of its own beside "Jane Doe", and a
 * hearing that listed it was counted "updated" on its next fetch, its normalized name being all that
 * differed. Every stored witness whose name holds such a character is keyed by the name as it shows
 * (`visibleNormalizedName`: `normalizeWitnessName` as it was when this migration landed).
 *
 * Where two stored witnesses now share a name and an organization key, the lowest id stays and the
 * other is merged into it as migration 028 merges (appearances and undo-journal before-images move
 * to the one kept; the journal entry of the run that created the other stays, and a rollback of
 * that run finds it gone). Each stored hearing listing such a name lists it as a fetch now reads
 * it: its normalized name rewritten, and an entry that now names a witness the hearing already
 * lists left out, as the record rules leave it out; so does each hearing the undo journal would put
 * back. Its content hash is left as written: the classifier takes a hash from an older
 * normalization whose fields agree as unchanged, and a rollback compares that hash with the one its
 * run wrote (a new hash would be a conflict with every run that wrote the hearing).
 *
 * A name made only of such characters is left as stored: the record rules refuse it now, so no
 * fetch can name that witness again, and an empty name would make one witness of every such row.
 */
export const migration029: Migration = {
  version: 29,
  name: 'witness names as they show',
  sql: () => '',
  backfill: async (db) => {
    const witnesses = await db.selectFrom('witnesses').select(['id', 'normalizedName', 'organizationKey', 'name']).orderBy('id').execute();
    const keptOf = new Map<string, number>();
    const mergedInto = new Map<number, number>();
    const renamed: { id: number; normalizedName: string }[] = [];
    for (const witness of witnesses) {
      const normalizedName = showsSomethingHidden(witness.name) ? visibleNormalizedName(witness.name) : witness.normalizedName;
      const identity = `${normalizedName}\u0000${witness.organizationKey}`;
      const kept = keptOf.get(identity);
      if (kept !== undefined) mergedInto.set(witness.id, kept);
      else {
        keptOf.set(identity, witness.id);
        if (normalizedName !== witness.normalizedName) renamed.push({ id: witness.id, normalizedName });
      }
    }
    for (const [merged, kept] of mergedInto) await moveAppearances(db, merged, kept);
    if (mergedInto.size > 0) await renameInBeforeImages(db, mergedInto);
    // The merged rows go first: a kept row's new name may be the name a merged row holds now (UNIQUE).
    for (const merged of mergedInto.keys()) await db.deleteFrom('witnesses').where('id', '=', merged).execute();
    for (const { id, normalizedName } of renamed) await db.updateTable('witnesses').set({ normalizedName }).where('id', '=', id).execute();
    await relistHearingWitnesses(db);
    await relistImageWitnesses(db);
  },
};

/** Unicode's Default_Ignorable_Code_Point: zero-width space and joiners, word joiner, soft hyphen, BOM, direction marks. */
const HIDDEN = /\p{Default_Ignorable_Code_Point}/u;
const HIDDEN_ALL = /\p{Default_Ignorable_Code_Point}/gu;
/** A name that shows nothing at all, as shared/record.ts's visibleText judged it when this migration landed. */
const SHOWS_NOTHING = /^[\s\p{Cc}\p{Default_Ignorable_Code_Point}\u2800]*$/u;

/** A name holding a character that shows nothing, and something that shows. */
function showsSomethingHidden(name: string): boolean {
  return HIDDEN.test(name) && !SHOWS_NOTHING.test(name);
}

const HONORIFICS = [
  'the honorable', 'honorable', 'hon', 'the hon', 'dr', 'doctor', 'mr', 'mrs', 'ms', 'miss', 'mx',
  'sen', 'senator', 'rep', 'representative', 'congressman', 'congresswoman', 'gov', 'governor',
  'gen', 'general', 'adm', 'admiral', 'col', 'colonel', 'lt', 'maj', 'capt', 'sgt', 'prof', 'professor',
  'rev', 'reverend', 'amb', 'ambassador', 'judge', 'justice', 'secretary', 'mayor', 'chief',
];
const HONORIFIC_PREFIX = new RegExp(`^(?:(?:${HONORIFICS.map((h) => h.replace(' ', '\\s+')).join('|')})\\b\\.?\\s*)+`);
const SUFFIXES = new Set(['jr', 'sr', 'ii', 'iii', 'iv', 'phd', 'md', 'esq', 'ret']);

/**
 * main/validation/witness-names.ts's normalizeWitnessName when this migration landed, for a name
 * that is not ASCII (one holding a character that shows nothing never is): compatibility forms and
 * accents folded, the characters that show nothing dropped, lower case, leading honorifics dropped,
 * then the words between whitespace, dots and commas without suffixes, joined by single spaces.
 */
function visibleNormalizedName(name: string): string {
  const folded = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(HIDDEN_ALL, '').toLowerCase().trim();
  return folded
    .replace(HONORIFIC_PREFIX, '')
    .split(/[\s.,]/)
    .filter((word) => word !== '' && !SUFFIXES.has(word))
    .join(' ');
}

/** shared/record.ts's organizationKey when this migration landed. */
function organizationKey(organization: string | null): string {
  const lower = (organization ?? '').toLowerCase();
  return /[\u0080-\uffff]/.test(lower) ? lower.normalize('NFC') : lower;
}

const PER_PAGE = 1_000;

interface ListedWitness {
  name: string;
  normalizedName: string;
  organization: string | null;
}

/** Each stored hearing's witnesses as a fetch now reads them (`relisted`). */
async function relistHearingWitnesses(db: Db): Promise<void> {
  let after: string | null = null;
  for (;;) {
    const rows = await db
      .selectFrom('hearings')
      .select(['eventId', 'contentJson'])
      .$if(after !== null, (q) => q.where('eventId', '>', after!))
      .orderBy('eventId')
      .limit(PER_PAGE)
      .execute();
    for (const row of rows) {
      const contentJson = relisted(row.contentJson);
      if (contentJson !== null) await db.updateTable('hearings').set({ contentJson }).where('eventId', '=', row.eventId).execute();
    }
    if (rows.length < PER_PAGE) return;
    after = rows.at(-1)!.eventId;
  }
}

/** The hearings a rollback puts back list their witnesses as the stored ones now do: it would otherwise bring the old names back. */
async function relistImageWitnesses(db: Db): Promise<void> {
  await rewriteHearingBeforeImages<{ hearing: { content_json: string } }>(db, (image) => {
    const contentJson = relisted(image.hearing.content_json);
    if (contentJson === null) return null;
    image.hearing.content_json = contentJson;
    return image;
  });
}

/**
 * A hearing's stored JSON with its witnesses as a fetch now reads them: a name that hid a character
 * renamed, and an entry naming a witness listed before it left out, as the record rules leave it
 * out. Null when nothing changes (most hearings hold no such character: their JSON is not parsed).
 */
function relisted(contentJson: string): string | null {
  if (!HIDDEN.test(contentJson)) return null;
  const content = JSON.parse(contentJson) as { witnesses: ListedWitness[] };
  if (!content.witnesses.some((witness) => showsSomethingHidden(witness.name))) return null;
  const listed = new Set<string>();
  content.witnesses = content.witnesses.flatMap((witness) => {
    const normalizedName = showsSomethingHidden(witness.name) ? visibleNormalizedName(witness.name) : witness.normalizedName;
    const identity = `${normalizedName}\u0000${organizationKey(witness.organization)}`;
    if (listed.has(identity)) return [];
    listed.add(identity);
    return [{ ...witness, normalizedName }];
  });
  return JSON.stringify(content);
}
