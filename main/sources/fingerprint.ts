import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { SourceFingerprint } from '../../shared/run.js';

/**
 * How much of each end of the file is hashed. A resume skips items by position, so what must be
 * caught is a file that is no longer the one the run read: replaced (new head), regenerated in
 * another order (new head or tail), appended to (new size and tail), truncated (new size). Size,
 * mtime and both ends catch those while reading 128 KiB of a 1 GB export instead of all of it;
 * hashing the whole file would cost seconds of disk and CPU at every start and every resume. An
 * edit of the middle alone that keeps the size is left to the modified time.
 */
export const FINGERPRINT_SAMPLE_BYTES = 64 * 1024;

export async function fileFingerprint(path: string): Promise<SourceFingerprint> {
  const handle = await open(path, 'r');
  try {
    const found = await handle.stat();
    const hash = createHash('sha256');
    const size = found.size;
    const head = Math.min(size, FINGERPRINT_SAMPLE_BYTES);
    const tailStart = Math.max(head, size - FINGERPRINT_SAMPLE_BYTES);
    hash.update(await readRange(handle, 0, head));
    hash.update(await readRange(handle, tailStart, size - tailStart));
    return { size, modifiedAt: found.mtime.toISOString(), sampleSha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

async function readRange(handle: Awaited<ReturnType<typeof open>>, start: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, start + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** What differs between the fingerprint a run recorded and the file now, in words; empty when nothing does. */
export function fingerprintChanges(recorded: SourceFingerprint, now: SourceFingerprint): string[] {
  const changes: string[] = [];
  if (recorded.size !== now.size) changes.push(`size ${recorded.size.toLocaleString('en-US')} → ${now.size.toLocaleString('en-US')} bytes`);
  if (recorded.sampleSha256 !== now.sampleSha256) changes.push('content: its first or last 64 KiB differ');
  if (recorded.modifiedAt !== now.modifiedAt) changes.push(`modified time ${recorded.modifiedAt} → ${now.modifiedAt}`);
  return changes;
}
