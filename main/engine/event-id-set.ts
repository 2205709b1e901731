/**
 * The eventIds a run has planned, kept for the whole run so a repeat is caught however far apart
 * (RunPlanner). As a Set<string> it cost ≈ 45 bytes of heap per record, the one thing a run's heap
 * grew with; V8 then let the heap grow to a few times that before collecting, which put a
 * 1,000,000-hearing run past its 400 MB budget (issue 12). Congress.gov's eventIds are decimal
 * numbers, so those are kept as bits in pages of 65,536 ids (8 KB outside the heap), a page
 * starting as a small set until it holds enough ids to pay for its bits; any other id stays a string.
 */
const PAGE_BITS = 16;
const PAGE_SIZE = 1 << PAGE_BITS;
/** A set entry costs ≈ 20 bytes: past this many ids a page's 8 KB of bits is the smaller. */
const BITS_AFTER = 512;

type Page = Set<number> | Uint8Array;

export class EventIdSet {
  private readonly pages = new Map<number, Page>();
  private readonly others = new Set<string>();
  private count = 0;

  static of(eventIds: Iterable<string>): EventIdSet {
    const set = new EventIdSet();
    for (const eventId of eventIds) set.add(eventId);
    return set;
  }

  get size(): number {
    return this.count;
  }

  has(eventId: string): boolean {
    const n = canonicalNumber(eventId);
    if (n === null) return this.others.has(eventId);
    const page = this.pages.get(Math.floor(n / PAGE_SIZE));
    if (!page) return false;
    const offset = n % PAGE_SIZE;
    return page instanceof Uint8Array ? (page[offset >> 3]! & (1 << (offset & 7))) !== 0 : page.has(offset);
  }

  add(eventId: string): void {
    if (this.has(eventId)) return;
    this.count += 1;
    const n = canonicalNumber(eventId);
    if (n === null) {
      this.others.add(eventId);
      return;
    }
    const key = Math.floor(n / PAGE_SIZE);
    const offset = n % PAGE_SIZE;
    const page = this.pages.get(key) ?? new Set<number>();
    if (page instanceof Uint8Array) {
      page[offset >> 3]! |= 1 << (offset & 7);
      return;
    }
    page.add(offset);
    this.pages.set(key, page.size > BITS_AFTER ? asBits(page) : page);
  }
}

function asBits(offsets: Set<number>): Uint8Array {
  const bits = new Uint8Array(PAGE_SIZE / 8);
  for (const offset of offsets) bits[offset >> 3]! |= 1 << (offset & 7);
  return bits;
}

/** Only the one decimal spelling of a safe integer is a number: "0123" and "123" stay two ids. */
function canonicalNumber(eventId: string): number | null {
  return /^(0|[1-9]\d{0,14})$/.test(eventId) ? Number(eventId) : null;
}
