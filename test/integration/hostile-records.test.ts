import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import { rawExcerptSchema, type QuarantineEntry } from '../../shared/record.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { arraySource, hearingRecord } from '../helpers/records.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * One hostile record — nested thousands deep, megabytes long, or not UTF-8 — costs a quarantine
 * entry and nothing else: the valid records on either side of it are stored, on every backend,
 * from NDJSON and from a JSON array alike.
 */
const DEEP_WITNESSES = '['.repeat(3_000) + ']'.repeat(3_000);
const [BEFORE, HOSTILE, AFTER] = ['700001', '700002', '700003'];

const folder = tempFolderEachTest('gatehouse-hostile-');

/** The hostile record's JSON text: a valid record with `field` replaced by raw JSON text. */
/** The record with `field` written as `valueText`, in place of its own: given twice, it would be a DUPLICATE_KEY. */
function recordText(eventId: string, field: string, valueText: string): string {
  const { [field]: _replaced, ...rest } = hearingRecord(eventId);
  return JSON.stringify(rest).replace(/}$/, `,${JSON.stringify(field)}:${valueText}}`);
}

function writeFile(name: string, content: string | Buffer): string {
  const file = path.join(folder(), name);
  fs.writeFileSync(file, content);
  return file;
}

function ndjsonAround(hostile: Buffer | string): Buffer {
  const line = (text: string | Buffer) => Buffer.concat([Buffer.from(text), Buffer.from('\n')]);
  return Buffer.concat([line(JSON.stringify(hearingRecord(BEFORE))), line(hostile), line(JSON.stringify(hearingRecord(AFTER)))]);
}

function arrayAround(hostile: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from(`[${JSON.stringify(hearingRecord(BEFORE))},`), Buffer.from(hostile), Buffer.from(`,${JSON.stringify(hearingRecord(AFTER))}]`)]);
}

/** A record whose witness name holds a byte (0xFF) that can never appear in UTF-8. */
function invalidUtf8Record(): Buffer {
  const [head, tail] = JSON.stringify(hearingRecord(HOSTILE, { witnesses: [{ name: 'Dr. MARKER', organization: 'Lab' }] })).split('MARKER');
  return Buffer.concat([Buffer.from(head!), Buffer.from([0x4a, 0xff, 0x65]), Buffer.from(tail!)]);
}

async function updateFrom(store: Store, file: string) {
  return runUpdate({ store, source: await openSource(`file:${file}`) });
}

async function storedIds(store: Store): Promise<string[]> {
  return [...(await store.loadHearings([BEFORE, HOSTILE, AFTER])).keys()].sort();
}

describe.each(testBackends())('hostile records on $name', (backend) => {
  afterAll(() => backend.cleanup());

  const cases: [string, () => Buffer | string, string][] = [
    ['nested 3,000 arrays deep', () => recordText(HOSTILE, 'witnesses', DEEP_WITNESSES), 'TOO_DEEP'],
    ['larger than 1 MB', () => recordText(HOSTILE, 'witnesses', JSON.stringify(Array.from({ length: 12_000 }, (_, i) => ({ name: `Witness ${i}`, organization: 'o'.repeat(80) })))), 'OVERSIZE_RECORD'],
    ['not valid UTF-8', invalidUtf8Record, 'INVALID_UTF8'],
    // 230 KB, well under 1 MB: the list's length is what is refused, before 10,000 rows are written in the batch.
    ['listing 10,000 witnesses', () => recordText(HOSTILE, 'witnesses', JSON.stringify(Array.from({ length: 10_000 }, (_, i) => ({ name: `Witness ${i}` })))), 'OVERSIZE_FIELD'],
    // JSON.stringify writes the lone surrogate as the escape \ud800: valid JSON, stored by SQLite as bytes that are not UTF-8, by PostgreSQL as U+FFFD.
    ['holding a lone UTF-16 surrogate in a witness name', () => JSON.stringify(hearingRecord(HOSTILE, { witnesses: [{ name: 'Dr. J\ud800e', organization: 'Lab' }] })), 'INVALID_UTF8'],
  ];

  for (const [layout, wrap] of [['an NDJSON file', ndjsonAround], ['a JSON array file', arrayAround]] as const) {
    it.each(cases)(`from ${layout}, quarantines the record %s and stores the valid records around it`, async (_what, hostile, code) => {
      await withFreshStore(backend, async (store) => {
        const summary = await updateFrom(store, writeFile('input', wrap(hostile())));
        expect(summary.status).toBe('partial');
        expect(summary.metrics).toMatchObject({ fetched: 3, added: 2, quarantined: 1 });
        expect(await storedIds(store)).toEqual([BEFORE, AFTER]);
        const [entry] = await store.listQuarantine({ runId: summary.runId });
        expect(entry).toMatchObject({ eventId: HOSTILE, sourcePosition: 1, reasons: [{ code }] });
      });
    });
  }

  it('names the list past 1,000 entries and its length, once, whether a plain list or wrapped in item', async () => {
    await withFreshStore(backend, async (store) => {
      const videos = JSON.stringify({ item: Array.from({ length: 1_001 }, (_, i) => ({ url: `https://example.test/v/${i}` })) });
      const summary = await updateFrom(store, writeFile('input.ndjson', ndjsonAround(recordText(HOSTILE, 'videos', videos))));
      expect(summary.metrics).toMatchObject({ fetched: 3, added: 2, quarantined: 1 });
      const [entry] = await store.listQuarantine({ runId: summary.runId });
      expect(entry!.reasons).toEqual([{ code: 'OVERSIZE_FIELD', message: 'videos.item lists 1,001 entries; the limit is 1,000' }]);
    });
  });

  it('names a number too large to read as such, not as the null JSON would print for it', async () => {
    await withFreshStore(backend, async (store) => {
      const hostile = recordText(HOSTILE, 'congress', '1e400').replace(/"date":"[^"]*"/, '"date":-1e999');
      const summary = await updateFrom(store, writeFile('input.ndjson', ndjsonAround(hostile)));
      expect(summary.metrics).toMatchObject({ fetched: 3, added: 2, quarantined: 1 });
      const [entry] = await store.listQuarantine({ runId: summary.runId });
      expect(entry!.reasons).toEqual([
        { code: 'BAD_CONGRESS', message: 'congress must be a whole number from 1 to 200, got a number too large to read (beyond ±1.8e308)' },
        { code: 'BAD_DATE', message: 'date must be an ISO 8601 string, got a number too large to read (beyond ±1.8e308)' },
      ]);
    });
  });

  it('names the line of a broken NDJSON record and never stores a U+FFFD in its place', async () => {
    await withFreshStore(backend, async (store) => {
      const summary = await updateFrom(store, writeFile('input.ndjson', ndjsonAround(invalidUtf8Record())));
      const [entry] = await store.listQuarantine({ runId: summary.runId });
      expect(entry!.reasons[0]!.message).toMatch(/^line 2 is not valid UTF-8 text/);
      const stored = await store.loadHearings([BEFORE, AFTER]);
      expect(JSON.stringify([...stored.values()])).not.toContain('\uFFFD');
    });
  });

  it('rejects a deeply nested record that reaches the rules without a parsing source, without overflowing the stack', async () => {
    await withFreshStore(backend, async (store) => {
      let deep: unknown = [];
      for (let i = 0; i < 100_000; i++) deep = [deep];
      const records = [hearingRecord(BEFORE), hearingRecord(HOSTILE, { witnesses: deep }), hearingRecord(AFTER)];
      const summary = await runUpdate({ store, source: arraySource(records) });
      expect(summary.metrics).toMatchObject({ added: 2, quarantined: 1 });
      const [entry] = await store.listQuarantine({ runId: summary.runId });
      expect(entry!.reasons.map((reason) => reason.code)).toContain('TOO_DEEP');
      expect(rawExcerptSchema.parse(entry!.raw).excerpt).toContain('"…"');
    });
  });

  it('keeps a 3 MB record in quarantine as a bounded excerpt with the SHA-256 of the whole line', async () => {
    await withFreshStore(backend, async (store) => {
      const hostile = JSON.stringify(hearingRecord(HOSTILE, { location: { room: 'r'.repeat(3_000_000) } }));
      const summary = await updateFrom(store, writeFile('input.ndjson', ndjsonAround(hostile)));
      expect(summary.metrics).toMatchObject({ added: 2, quarantined: 1 });
      const entries: QuarantineEntry[] = await store.listQuarantine({ runId: summary.runId });
      expect(entries[0]!.reasons[0]!.code).toBe('OVERSIZE_RECORD');
      const kept = rawExcerptSchema.parse(entries[0]!.raw);
      expect(kept.sha256).toBe(createHash('sha256').update(hostile).digest('hex'));
      expect(kept.bytes).toBe(Buffer.byteLength(hostile));
      expect(hostile.startsWith(kept.excerpt)).toBe(true);
      expect(JSON.stringify(entries).length).toBeLessThan(10_000);
    });
  });

  it('keeps a record rejected for one oversize field as an excerpt too, and a small bad record whole', async () => {
    await withFreshStore(backend, async (store) => {
      const big = hearingRecord(HOSTILE, { location: { room: 'r'.repeat(300_000) } });
      const small = hearingRecord(AFTER, { chamber: 'Senat' });
      const summary = await runUpdate({ store, source: arraySource([big, small]) });
      const entries = await store.listQuarantine({ runId: summary.runId });
      const byId = new Map(entries.map((entry) => [entry.eventId, entry]));
      expect(byId.get(HOSTILE)!.reasons[0]!.code).toBe('OVERSIZE_FIELD');
      expect(rawExcerptSchema.parse(byId.get(HOSTILE)!.raw).sha256).toBe(createHash('sha256').update(JSON.stringify(big)).digest('hex'));
      expect(byId.get(AFTER)!.raw).toEqual(small);
    });
  });
});
