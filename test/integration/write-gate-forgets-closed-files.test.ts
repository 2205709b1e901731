import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { writeGateCount } from '../../main/store/sqlite/write-gate.js';
import { sqliteBackend } from '../helpers/backends.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * Each SQLite file a thread wrote to kept its write gate for the life of the process: a `gatehouse
 * serve` that ran trials (a fresh staging copy each) and checked snapshots for weeks held a gate for
 * every file it had ever opened. A file's gate now goes once its every connection has closed.
 */
describe('the write gates of SQLite files', () => {
  const backend = sqliteBackend();
  afterAll(() => backend.cleanup());

  it('are forgotten once every connection to their file has closed, and kept while one is open', async () => {
    const before = writeGateCount();
    const kept = await backend.open(await backend.freshLocation());
    for (let i = 0; i < 5; i++) {
      const store = await backend.open(await backend.freshLocation());
      await runUpdate({ store, source: arraySource(hearingRecords(3, 500000 + i * 10)) });
      await store.close();
    }
    await runUpdate({ store: kept, source: arraySource(hearingRecords(3, 600000)) });
    expect(writeGateCount()).toBe(before + 1);

    // A second connection to the open file shares its gate, and keeps it after the first closes.
    const second = await backend.open(kept.location);
    expect(writeGateCount()).toBe(before + 1);
    await kept.close();
    await runUpdate({ store: second, source: arraySource(hearingRecords(3, 600100)) });
    expect(writeGateCount()).toBe(before + 1);
    await second.close();
    expect(writeGateCount()).toBe(before);
  });
});
