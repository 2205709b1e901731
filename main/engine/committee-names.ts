import type { NormalizedHearing } from '../../shared/record.js';
import type { Store } from '../store/index.js';

/**
 * The names the run's changes give each committee, to be told beside the stored name when the run
 * ends. A committee row is written once, by the first hearing that names it (committeesToCreate, on
 * both backends alike), and never renamed by a later one: a rename would need its own undo and a
 * rule for which of two records is right. So a record that calls a stored committee otherwise keeps
 * its own name in its hearing's JSON, the committee keeps the stored one, and the run says so once
 * per committee, naming both, where it said nothing before.
 */
export class CommitteeNamesGiven {
  /** Per committee code, each name given with the first eventId that gave it. */
  private readonly given = new Map<string, Map<string, string>>();

  note(hearing: NormalizedHearing): void {
    for (const { systemCode, name } of hearing.committees) {
      if (name === null) continue;
      let names = this.given.get(systemCode);
      if (names === undefined) this.given.set(systemCode, (names = new Map()));
      if (!names.has(name)) names.set(name, hearing.eventId);
    }
  }

  /** One warning per committee whose stored name some change of the run gave otherwise, in code order. */
  async conflicts(store: Store): Promise<string[]> {
    if (this.given.size === 0) return [];
    const stored = await store.committeeNames([...this.given.keys()]);
    const warnings: string[] = [];
    for (const code of [...this.given.keys()].sort()) {
      const kept = stored.get(code);
      if (kept === undefined) continue;
      const others = [...this.given.get(code)!].filter(([name]) => name !== kept);
      if (others.length === 0) continue;
      const called = others.map(([name, eventId]) => `${JSON.stringify(name)} (eventId ${eventId})`).join(', ');
      warnings.push(`committee ${code} is stored as ${JSON.stringify(kept)}, but records this run wrote call it ${called}; the stored name was kept, and each hearing keeps the name its record gives`);
    }
    return warnings;
  }
}
