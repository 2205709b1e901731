import { describe, expect, it } from 'vitest';
import { GatehouseError } from '../../shared/errors.js';
import type { OperationView } from '../../shared/api.js';
import { OperationBook } from '../../main/api/long-operations.js';
import { trackOperation } from '../../main/api/engine-host.js';

const trials = { kind: 'trials', operator: 'Ada', trial: { staging: '/tmp/staging.db' } } as unknown as Parameters<OperationBook['begin']>[0];

/** Runs `work` as one operation and returns how the operations list saw it end. */
async function endOf(work: () => Promise<unknown>): Promise<OperationView> {
  const book = new OperationBook(() => new Date('2026-12-06T06:00:00Z'));
  const ends: OperationView[] = [];
  book.subscribe((event) => event.type === 'operation-finished' && ends.push(event.operation));
  await trackOperation(book, trials, undefined, work).catch(() => undefined);
  return ends[0]!;
}

describe('how the operations list says an operation ended', () => {
  it('says stopped, as the trial job does, for one stopped by a shutdown or a signal (INTERRUPTED)', async () => {
    const ended = await endOf(() => Promise.reject(new GatehouseError('INTERRUPTED', 'trial session stopped by the console shutting down')));
    expect(ended).toMatchObject({ status: 'stopped', phase: 'finished', error: 'trial session stopped by the console shutting down' });
  });

  it('says failed for a fault, and done for one that finished', async () => {
    expect(await endOf(() => Promise.reject(new GatehouseError('DB_NOT_WRITABLE', 'disk full')))).toMatchObject({ status: 'failed', error: 'disk full' });
    expect(await endOf(() => Promise.resolve('ok'))).toMatchObject({ status: 'done', error: null });
  });
});
