import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { openSource, type SourceItem } from '../../main/sources/index.js';
import { openStore } from '../../main/store/index.js';
import { domainRows } from '../helpers/domain-rows.js';
import { arraySource } from '../helpers/records.js';
import { mountSmallDisk, unmountSmallDisk } from '../helpers/small-disk.js';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-diskfull-'));
const disk = path.join(folder, 'disk');
fs.mkdirSync(disk);
const cannotMount = mountSmallDisk(disk, '8m');

async function recordsOf(spec: string): Promise<unknown[]> {
  const items: SourceItem[] = [];
  for await (const item of (await openSource(spec)).items()) items.push(item);
  return items.map((item) => item.raw);
}

describe.skipIf(cannotMount !== null)('a full disk on SQLite (8 MB tmpfs)', () => {
  afterAll(() => {
    unmountSmallDisk(disk);
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('stops after the last batch that fit as interrupted, quarantines nothing, and resumes to a clean run\'s result', async () => {
    const records = await recordsOf('synthetic:seed=11,count=1000');
    const source = () => arraySource(records, 'synthetic:seed=11,count=1000');

    const cleanLocation = path.join(folder, 'clean.db');
    const clean = await openStore(cleanLocation);
    const lone = await runUpdate({ store: clean, source: source() }).finally(() => clean.close());
    expect(lone.status).toBe('success');

    const location = path.join(disk, 'gatehouse.db');
    const store = await openStore(location);
    const filler = path.join(disk, 'filler');
    try {
      // Leave the database a few hundred KB: some batches fit, then the disk is full.
      const free = fs.statfsSync(disk).bavail * fs.statfsSync(disk).bsize;
      fs.writeFileSync(filler, Buffer.alloc(Math.max(0, free - 250 * 1024)));

      const stopped = await runUpdate({ store, source: source() });
      expect(stopped.status).toBe('interrupted');
      expect(stopped.error).toMatch(/^the database environment failed: database or disk is full; nothing was blamed on a record — resume with --resume 1$/);
      expect(stopped.metrics.added).toBeGreaterThan(0);
      expect(stopped.metrics.added).toBeLessThan(1000);
      expect(stopped.metrics.quarantined).toBe(0);
      expect(stopped.batches).toMatchObject({ failed: 0, isolated: 0 });
      expect(await store.listQuarantine()).toEqual([]);

      fs.rmSync(filler);
      const resumed = await runUpdate({ store, source: source(), resumeRunId: stopped.runId });
      expect(resumed.error ?? null).toBeNull();
      expect(resumed.status).toBe('success');
      expect({ ...resumed.metrics, durationMs: 0 }).toEqual({ ...lone.metrics, durationMs: 0 });
      expect(resumed.batches).toEqual(lone.batches);
    } finally {
      await store.close();
    }
    expect(await domainRows(location)).toEqual(await domainRows(cleanLocation));
  });
});

describe('environment errors are the environment\'s fault on both backends', () => {
  it('classes disk full, I/O and read-only errors as environment, busy as transient, a refused row as the record\'s', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-classify-'));
    const store = await openStore(path.join(folder, 'g.db'));
    try {
      const coded = (code: string) => Object.assign(new Error(code), { code });
      for (const code of ['SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_READONLY', 'ENOSPC']) expect(store.classifyError(coded(code))).toBe('environment');
      expect(store.classifyError(coded('SQLITE_BUSY'))).toBe('transient');
      expect(store.classifyError(coded('SQLITE_CONSTRAINT_CHECK'))).toBe('record');
    } finally {
      await store.close();
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
