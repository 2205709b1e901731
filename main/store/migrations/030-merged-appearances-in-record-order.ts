import { sql } from 'kysely';
import type { Db } from '../driver.js';
import type { Migration } from './index.js';

/**
 * Appearances that migrations 028 and 029 merged, as a fetch of the same record writes them. Where a
 * hearing listed a witness twice under two stored rows, the merge kept the appearance of the row
 * with the lowest id — which could be the record's second entry (its ordinal, its position) — while
 * a fetch keeps the first entry: an upgraded database listed such a hearing's witnesses in another
 * order than a fresh one, and the next fetch counted it unchanged, so nothing ever put it right.
 *
 * Such a hearing is one whose appearance ordinals have a gap (a merge dropped one before another it
 * kept; a fetch numbers them 0, 1, 2…). Its stored JSON tells what the fetch keeps: its witnesses in
 * record order, each the first entry that names it (029 left the later ones out, as the record rules
 * do). Each appearance takes the place and position of the entry naming its witness. A hearing whose
 * JSON does not name each of its stored witnesses exactly once is left as stored: which appearance is
 * which cannot be told from it. Before-images in the undo journal already keep the first entry (they
 * list appearances by ordinal, and the merges kept the first of each witness).
 */
export const migration030: Migration = {
  version: 30,
  name: 'merged appearances in record order',
  sql: () => '',
  backfill: async (db) => {
    const gapped = await db.selectFrom('appearances').select('eventId').groupBy('eventId').having(sql<boolean>`max(ordinal) + 1 <> count(*)`).orderBy('eventId').execute();
    for (const { eventId } of gapped) await putInRecordOrder(db, eventId);
  },
};

interface ListedWitness {
  normalizedName: string;
  organization: string | null;
  position: string | null;
}

async function putInRecordOrder(db: Db, eventId: string): Promise<void> {
  const hearing = await db.selectFrom('hearings').select('contentJson').where('eventId', '=', eventId).executeTakeFirst();
  if (hearing === undefined) return;
  const stored = await db
    .selectFrom('appearances')
    .innerJoin('witnesses', 'witnesses.id', 'appearances.witnessId')
    .select(['appearances.witnessId', 'witnesses.normalizedName', 'witnesses.organizationKey'])
    .where('appearances.eventId', '=', eventId)
    .execute();
  const witnessOf = new Map(stored.map((row) => [`${row.normalizedName}\u0000${row.organizationKey}`, row.witnessId]));
  const listed = firstEntries((JSON.parse(hearing.contentJson) as { witnesses: ListedWitness[] }).witnesses);
  if (listed.length !== stored.length || listed.some(({ identity }) => !witnessOf.has(identity))) return;
  for (const [ordinal, { identity, position }] of listed.entries()) {
    await db.updateTable('appearances').set({ ordinal, position }).where('eventId', '=', eventId).where('witnessId', '=', witnessOf.get(identity)!).execute();
  }
}

/** The record's witnesses, each the first entry naming it, as the record rules keep them. */
function firstEntries(witnesses: ListedWitness[]): { identity: string; position: string | null }[] {
  const seen = new Set<string>();
  return witnesses.flatMap((witness) => {
    const identity = `${witness.normalizedName}\u0000${organizationKey(witness.organization)}`;
    if (seen.has(identity)) return [];
    seen.add(identity);
    return [{ identity, position: witness.position }];
  });
}

/** shared/record.ts's organizationKey when this migration landed: lower case, in composed form. */
function organizationKey(organization: string | null): string {
  const lower = (organization ?? '').toLowerCase();
  return /[\u0080-\uffff]/.test(lower) ? lower.normalize('NFC') : lower;
}
