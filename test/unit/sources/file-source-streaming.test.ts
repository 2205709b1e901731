import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openSource } from '../../../main/sources/index.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-stream-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const LINES = 200_000;

async function writeLargeNdjson(path: string): Promise<void> {
  const out = createWriteStream(path);
  const padding = 'x'.repeat(300);
  for (let i = 0; i < LINES; i++) {
    const line = `${JSON.stringify({ eventId: String(115_000 + i), chamber: 'House', title: `Hearing ${i} ${padding}` })}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

it('streams a 200,000-line NDJSON file without holding it in memory', async () => {
  const path = join(dir, 'large.ndjson');
  await writeLargeNdjson(path);
  const fileSize = statSync(path).size;
  const source = await openSource(`file:${path}`);

  const heapBefore = process.memoryUsage().heapUsed;
  let peakGrowth = 0;
  let count = 0;
  let lastEventId = '';
  for await (const item of source.items()) {
    count++;
    lastEventId = (item.raw as { eventId: string }).eventId;
    if (count % 5_000 === 0) peakGrowth = Math.max(peakGrowth, process.memoryUsage().heapUsed - heapBefore);
  }

  expect(count).toBe(LINES);
  expect(lastEventId).toBe(String(115_000 + LINES - 1));
  expect(fileSize).toBeGreaterThan(60_000_000);
  // Reading the file whole would cost at least its size as one string; streaming stays far below.
  expect(peakGrowth).toBeLessThan(fileSize / 2);
});
