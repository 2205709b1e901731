import { afterAll, describe, expect, it } from 'vitest';
import { buildOverview } from '../../main/api/overview.js';
import type { EngineHost } from '../../main/api/engine-host.js';
import { rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';

/** The Overview reads no running operations here: only stored runs. */
const idleEngine = { active: () => [] } as unknown as EngineHost;

describe.each(testBackends())('the Overview on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('does not count the records of a batch support rolled back as having reached the database', async () => {
    await withFreshStore(backend, async (store) => {
      await runUpdate({ store, source: await openSource('synthetic:seed=12,count=100'), batchSize: 50 });
      expect((await buildOverview(store, idleEngine, 30)).recordsCommittedShare).toBe(1);
      await rollback(store, { runId: 1, batchSeq: 2, reason: 'the second half came from a test feed', operator: 'sam' });
      expect(await store.countHearings()).toBe(50);
      expect((await buildOverview(store, idleEngine, 30)).recordsCommittedShare).toBe(0.5);
    });
  });
});
