import type { RecordSource, SourceItem } from '../../main/sources/index.js';

/** A valid Congress.gov committee-meeting detail, with `overrides` applied on top. */
export function hearingRecord(eventId: number | string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const day = (Number(eventId) % 27) + 1;
  return {
    eventId: String(eventId),
    congress: 119,
    chamber: 'House',
    type: 'Hearing',
    meetingStatus: 'Scheduled',
    title: `Oversight hearing number ${eventId}`,
    date: `2025-03-${String(day).padStart(2, '0')}T14:00:00Z`,
    updateDate: '2025-03-01T12:00:00Z',
    location: { room: '2123', building: 'Rayburn House Office Building', address: 'Washington, DC 20515' },
    committees: [{ systemCode: 'hsif00', name: 'Energy and Commerce Committee' }],
    witnesses: [{ name: 'Dr. Jane Roe', organization: 'Institute of Things', position: 'Director' }],
    videos: [{ name: 'Hearing video', url: `https://example.test/video/${eventId}` }],
    hearingTranscript: [],
    ...overrides,
  };
}

export function hearingRecords(count: number, firstId = 100000, overrides: (i: number) => Record<string, unknown> = () => ({})): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => hearingRecord(firstId + i, overrides(i)));
}

/** A source over records in memory; positions are array indexes, as a file's would be. */
export function arraySource(records: unknown[], description = `memory:${records.length}`): RecordSource {
  return {
    description,
    expectedCount: records.length,
    async *items(options: { skip?: number } = {}): AsyncGenerator<SourceItem> {
      for (let position = options.skip ?? 0; position < records.length; position += 1) {
        yield { position, raw: records[position] };
      }
    },
  };
}

/**
 * The records, stalled before the item at `position` until `resume()`; `stalled` resolves when the
 * run gets there: a state a test waits for (a run holding its lock, a run still running), not a time.
 */
export function stallingSource(records: unknown[], position: number, description?: string): { source: RecordSource; stalled: Promise<void>; resume: () => void } {
  const inner = arraySource(records, description);
  let reached: () => void = () => {};
  let release: () => void = () => {};
  const stalled = new Promise<void>((resolve) => (reached = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  const source: RecordSource = {
    ...inner,
    async *items(options = {}): AsyncGenerator<SourceItem> {
      for await (const item of inner.items(options)) {
        if (item.position === position) {
          reached();
          await gate;
        }
        yield item;
      }
    },
  };
  return { source, stalled, resume: () => release() };
}
