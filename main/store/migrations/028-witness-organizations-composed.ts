import type { Migration } from './index.js';
import { moveAppearances, renameInBeforeImages } from './witness-merges.js';

/**
 * Witnesses stored by a Gatehouse from before organizations were keyed in one Unicode form: an
 * organization with a precomposed "Ü" (NFC) and the same one spelt "U" + combining diaeresis (NFD)
 * were two witnesses, so each run that read the other spelling added a witness of its own. Every
 * stored key becomes its composed form (`organizationKey` as it was when this migration landed).
 *
 * Where two stored witnesses share a name and a composed key, the first stored (lowest id, its name
 * and organization as first written, as the writer keeps them) stays; each appearance of the other
 * moves to it — or is dropped where the hearing already lists it, as a run now lists it once — and
 * so does every before-image in the undo journal that names the other, so a rollback puts back an
 * appearance of a witness that exists. The other witness is removed; the journal entry of the run
 * that created it stays, and a rollback of that run finds it gone and says so (the witness kept may
 * be older than that run: deleting it would take away what other runs stored).
 */
export const migration028: Migration = {
  version: 28,
  name: 'witness organizations composed',
  sql: () => '',
  backfill: async (db) => {
    const witnesses = await db.selectFrom('witnesses').select(['id', 'normalizedName', 'organizationKey']).orderBy('id').execute();
    const keptOf = new Map<string, number>();
    const mergedInto = new Map<number, number>();
    const rekeyed: { id: number; key: string }[] = [];
    for (const witness of witnesses) {
      const key = composedKey(witness.organizationKey);
      const identity = `${witness.normalizedName}\u0000${key}`;
      const kept = keptOf.get(identity);
      if (kept !== undefined) mergedInto.set(witness.id, kept);
      else {
        keptOf.set(identity, witness.id);
        if (key !== witness.organizationKey) rekeyed.push({ id: witness.id, key });
      }
    }
    for (const [merged, kept] of mergedInto) await moveAppearances(db, merged, kept);
    if (mergedInto.size > 0) await renameInBeforeImages(db, mergedInto);
    // The merged rows go first: a kept row's new key may be the key a merged row holds now (UNIQUE).
    for (const merged of mergedInto.keys()) await db.deleteFrom('witnesses').where('id', '=', merged).execute();
    for (const { id, key } of rekeyed) await db.updateTable('witnesses').set({ organizationKey: key }).where('id', '=', id).execute();
  },
};

/** `organizationKey` of shared/record.ts when this migration landed, applied to a key it lower-cased. */
function composedKey(key: string): string {
  return /[\u0080-\uffff]/.test(key) ? key.toLowerCase().normalize('NFC') : key;
}
