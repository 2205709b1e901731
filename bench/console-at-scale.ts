import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { createApi, createInProcessEngineHost, dispatch } from '../main/api/index.js';
import { openStore } from '../main/store/index.js';
import type { ApiInput, ApiMethod } from '../shared/api.js';
import { dailyRuns, insertRuns } from './long-history.js';

/**
 * What the console's pages cost on a database with a long history: the History page's four calls
 * and the overview on 10,000 daily runs (a quarter of them anomalous), and the anomalies list on
 * 50,000 anomalous runs. Medians of 3 calls each, in ms, through dispatch as
 * IPC and HTTP call it. A measurement, not an assertion: `node dist/bench/console-at-scale.js [postgres://…]`.
 */
const location = process.argv[2] ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-scale-')), 'gatehouse.db');

async function measure(runs: number, anomalousEvery: number, calls: [string, ApiMethod, unknown][]): Promise<void> {
  const store = await openStore(location);
  await store.queries.db.deleteFrom('runs').execute();
  const seeded = performance.now();
  await insertRuns(store, dailyRuns(runs, { anomalousEvery }));
  console.log(`${runs} runs, every ${anomalousEvery}th anomalous, seeded in ${Math.round(performance.now() - seeded)} ms (${store.backend})`);
  // A table of years has statistics; one emptied and refilled a second ago has those of before, until autovacuum comes by.
  if (store.backend === 'postgres') await sql`ANALYZE runs`.execute(store.queries.db);
  const engine = createInProcessEngineHost({ location });
  const api = createApi({ store, engine, transport: 'http', databaseLocation: location });
  for (const [label, method, input] of calls) {
    const times: number[] = [];
    let size = 0;
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      const result = await dispatch(api, method, input as ApiInput<typeof method>, { operator: 'bench', identity: 'os-user' });
      times.push(performance.now() - start);
      if (!result.ok) throw new Error(`${method}: ${result.error.message}`);
      size = JSON.stringify(result.data).length;
    }
    times.sort((a, b) => a - b);
    console.log(`  ${label.padEnd(44)} ${String(Math.round(times[1]!)).padStart(6)} ms  ${String(Math.round(size / 1024)).padStart(6)} KiB`);
  }
  await engine.close();
  await store.close();
}

await measure(10_000, 4, [
  ['history.metrics {limit 2000} (History)', 'history.metrics', { limit: 2_000 }],
  ['history.bands {limit 400} (History)', 'history.bands', { limit: 400 }],
  ['history.annotations {limit 2000} (History)', 'history.annotations', { limit: 2_000 }],
  ['anomalies.list {open, limit 100} (History)', 'anomalies.list', { open: true, limit: 100 }],
  ['overview.get {30 days}', 'overview.get', { windowDays: 30 }],
  ['runs.list {limit 50}', 'runs.list', { limit: 50 }],
]);
await measure(50_000, 1, [['anomalies.list {open, limit 100}', 'anomalies.list', { open: true, limit: 100 }]]);
if (!location.startsWith('postgres')) fs.rmSync(path.dirname(location), { recursive: true, force: true });
