import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { hearingRecord } from '../helpers/records.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * The eventId a quarantine entry is filed under, when the record's eventId is text no column can
 * hold, reads the same on every backend. A NUL already became U+FFFD on both; a lone UTF-16
 * surrogate (the JSON escape "\ud800") became one U+FFFD on PostgreSQL but was written to SQLite
 * as the bytes ED A0 80, which are not UTF-8 and read back as three U+FFFD.
 */

const folder = tempFolderEachTest('gatehouse-event-id-text-');

describe.each(testBackends())('quarantined eventIds that are not text a column holds, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('files a lone surrogate and a NUL as U+FFFD, with the reason naming the field, and stores the records around them', async () => {
    const lines = [
      JSON.stringify(hearingRecord(820001)),
      JSON.stringify(hearingRecord('\ud800', { date: '2025-03-04T14:00:00Z' })),
      JSON.stringify(hearingRecord('82\u00003', { date: '2025-03-04T14:00:00Z' })),
      JSON.stringify(hearingRecord(820004)),
    ];
    // JSON.stringify writes both as escapes: the file is valid UTF-8 JSON, as a source would send it.
    expect(lines[1]).toContain('"eventId":"\\ud800"');
    const file = path.join(folder(), 'meetings.ndjson');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    await withFreshStore(backend, async (store) => {
      const summary = await runUpdate({ store, source: await openSource(`file:${file}`) });
      expect(summary).toMatchObject({ status: 'partial', metrics: { fetched: 4, added: 2, quarantined: 2 } });
      expect([...(await store.loadHearings(['820001', '820004'])).keys()].sort()).toEqual(['820001', '820004']);
      const entries = await store.listQuarantine({ runId: summary.runId });
      expect(entries.map((entry) => [entry.eventId, entry.sourcePosition, entry.reasons.map((reason) => reason.code)])).toEqual([
        ['\uFFFD', 1, ['INVALID_UTF8']],
        ['82\uFFFD3', 2, ['NUL_CHARACTER', 'BAD_EVENT_ID']],
      ]);
      expect(entries[0]!.reasons[0]!.message).toMatch(/^line 2: eventId holds a lone UTF-16 surrogate/);
      expect(entries[1]!.reasons[0]!.message).toBe('eventId contains a NUL character');
      // The raw records are kept as sent: the line past a parse-time limit as its text, the other parsed; JSON keeps both escapes.
      expect(entries[0]!.raw).toBe(lines[1]);
      expect((entries[1]!.raw as { eventId: string }).eventId).toBe('82\u00003');
    });
  });
});
