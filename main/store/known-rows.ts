/**
 * The committees and witnesses a run's batches have already found or created, so each batch reads
 * only the ones it has not seen (issue 12 item 4). What a transaction learns counts only once it
 * commits. Valid while this process holds the writer lock: everything that deletes a committee or
 * a witness (rollback, restore) takes that lock, and taking it clears what is known.
 */
export class KnownRows {
  private readonly committees = new Set<string>();
  private readonly witnesses = new Map<string, number>();
  private readonly pendingCommittees = new Set<string>();
  private readonly pendingWitnesses = new Map<string, number>();
  /** What the open transaction added, in order: a savepoint rolled back forgets what it added. */
  private readonly pendingLog: { committee?: string; witness?: string }[] = [];

  hasCommittee(code: string): boolean {
    return this.committees.has(code) || this.pendingCommittees.has(code);
  }

  witnessId(key: string): number | undefined {
    return this.witnesses.get(key) ?? this.pendingWitnesses.get(key);
  }

  /** Found or created in the open transaction. */
  addCommittee(code: string): void {
    this.pendingCommittees.add(code);
    this.pendingLog.push({ committee: code });
  }

  addWitness(key: string, id: number): void {
    this.pendingWitnesses.set(key, id);
    this.pendingLog.push({ witness: key });
  }

  /** Where the open transaction stands, for `rolledBackTo` when a savepoint taken now is rolled back. */
  savepoint(): number {
    return this.pendingLog.length;
  }

  /** Forgets what was found or created since `savepoint`: the rows are gone with it. */
  rolledBackTo(savepoint: number): void {
    for (const entry of this.pendingLog.splice(savepoint)) {
      if (entry.committee !== undefined) this.pendingCommittees.delete(entry.committee);
      if (entry.witness !== undefined) this.pendingWitnesses.delete(entry.witness);
    }
  }

  committed(): void {
    for (const code of this.pendingCommittees) this.committees.add(code);
    for (const [key, id] of this.pendingWitnesses) this.witnesses.set(key, id);
    // Bounded: a huge run forgets and reads again rather than growing without limit.
    if (this.witnesses.size > MAX_WITNESSES) this.witnesses.clear();
    this.rolledBack();
  }

  rolledBack(): void {
    this.pendingCommittees.clear();
    this.pendingWitnesses.clear();
    this.pendingLog.length = 0;
  }

  clear(): void {
    this.committees.clear();
    this.witnesses.clear();
    this.rolledBack();
  }
}

const MAX_WITNESSES = 200_000;
