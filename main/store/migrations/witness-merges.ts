import type { Db } from '../driver.js';

/**
 * Merging two stored witnesses into one, as migrations 028 and 029 do it: the appearances and the
 * undo journal's hearing before-images that name the merged witness name the kept one instead.
 * Shared, not copied: what 028 did is what these do, so neither may change once a migration uses it.
 */

/** Every appearance of witness `merged` becomes one of `kept`; where the hearing already lists `kept`, it is dropped (a hearing lists a witness once). */
export async function moveAppearances(db: Db, merged: number, kept: number): Promise<void> {
  const listedBoth = db.selectFrom('appearances as k').select('k.eventId').where('k.witnessId', '=', kept);
  await db.deleteFrom('appearances').where('witnessId', '=', merged).where('eventId', 'in', listedBoth).execute();
  await db.updateTable('appearances').set({ witnessId: kept }).where('witnessId', '=', merged).execute();
}

const IMAGES_PER_PAGE = 1_000;

interface Image {
  appearances: { witness_id: unknown }[];
}

/** Every hearing before-image naming a merged witness names the one kept, once. */
export async function renameInBeforeImages(db: Db, mergedInto: ReadonlyMap<number, number>): Promise<void> {
  await rewriteHearingBeforeImages<Image>(db, (image) => {
    if (!image.appearances.some((appearance) => mergedInto.has(Number(appearance.witness_id)))) return null;
    const listed = new Set<number>();
    image.appearances = image.appearances.flatMap((appearance) => {
      const id = mergedInto.get(Number(appearance.witness_id)) ?? Number(appearance.witness_id);
      if (listed.has(id)) return [];
      listed.add(id);
      return [{ ...appearance, witness_id: id }];
    });
    return image;
  });
}

/** Each hearing before-image of the undo journal, a page at a time, stored again where `rewrite` changed it (it returns null for one it leaves). */
export async function rewriteHearingBeforeImages<T>(db: Db, rewrite: (image: T) => T | null): Promise<void> {
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('undoJournal')
      .select(['id', 'beforeJson'])
      .where('entity', '=', 'hearing')
      .where('beforeJson', 'is not', null)
      .where('id', '>', after)
      .orderBy('id')
      .limit(IMAGES_PER_PAGE)
      .execute();
    for (const row of rows) {
      const image = rewrite((typeof row.beforeJson === 'string' ? JSON.parse(row.beforeJson) : row.beforeJson) as T);
      if (image !== null) await db.updateTable('undoJournal').set({ beforeJson: JSON.stringify(image) }).where('id', '=', row.id).execute();
    }
    if (rows.length < IMAGES_PER_PAGE) return;
    after = rows.at(-1)!.id;
  }
}
