import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { runSummarySchema, type RunEvent } from '../../shared/run.js';
import { availablePostgresBackend } from '../helpers/postgres.js';
import { arraySource, hearingRecords } from '../helpers/records.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const backend = await availablePostgresBackend();
const RECORDS = hearingRecords(300);

/** The same database reached through `port` (the relay) instead of the server's own. */
function throughPort(url: string, port: number): string {
  const relayed = new URL(url);
  relayed.hostname = '127.0.0.1';
  relayed.port = String(port);
  return relayed.toString();
}

describe.skipIf(backend === null)('a PostgreSQL server that goes away mid-run and stays away', () => {
  afterAll(() => backend?.cleanup());

  it('stops the run as interrupted with the reason and the resume, blaming no record; back up, the resume ends as a lone run does', async () => {
    const loneStore = await backend!.open(await backend!.freshLocation());
    const lone = await runUpdate({ store: loneStore, source: arraySource(RECORDS), batchSize: 50 }).finally(() => loneStore.close());

    const url = await backend!.freshLocation();
    const server = new URL(url);
    const proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
    const store = await backend!.open(throughPort(url, proxy.port));
    const warnings: string[] = [];
    try {
      const stopped = await runUpdate({
        store,
        source: arraySource(RECORDS),
        batchSize: 50,
        sleep: async () => {},
        onEvent: (event: RunEvent) => {
          if (event.type === 'warning') warnings.push(event.message);
        },
        // After the first batch committed, the server is gone until the run has ended.
        betweenBatches: async (_runId, nextBatch) => {
          if (nextBatch === 2) await proxy.down();
          return null;
        },
      });
      expect(runSummarySchema.parse(stopped)).toMatchObject({ runId: stopped.runId, status: 'interrupted', mode: 'batch', batchSize: 50 });
      expect(stopped.error).toMatch(/cannot reach PostgreSQL at .*connection refused.*nothing was blamed on a record — resume with --resume \d+$/);
      expect(stopped.metrics).toMatchObject({ added: 50, quarantined: 0 });

      await proxy.up();
      const resumed = await runUpdate({ store, source: arraySource(RECORDS), batchSize: 50, resumeRunId: stopped.runId });
      expect(resumed.error ?? null).toBeNull();
      expect(resumed.status).toBe('success');
      expect({ ...resumed.metrics, durationMs: 0 }).toEqual({ ...lone.metrics, durationMs: 0 });
      expect(await store.countHearings()).toBe(RECORDS.length);
      expect(await store.listQuarantine()).toEqual([]);
    } finally {
      await store.close();
      await proxy.close();
    }
  });
});
