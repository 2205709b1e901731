import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rollback } from '../main/backup/index.js';
import { runUpdate } from '../main/engine/index.js';
import { openSource } from '../main/sources/index.js';
import { openStore } from '../main/store/index.js';
import { benchSchemaUrl, dropSchema, postgresBenchUrl } from './postgres.js';

/**
 * How long the preview (dry run) of a run's rollback takes, and then the rollback itself, on SQLite
 * and on PostgreSQL: a synthetic first load of HEARINGS (default 20,000, the size support reported
 * at 25 s on PostgreSQL) over 70 batches, previewed whole and for one batch, then rolled back whole.
 * A first load creates its witnesses, so the rollback deletes thousands of them. Reported, never
 * asserted. Usage: node dist/bench/rollback-preview.js [HEARINGS]
 */
const hearings = Number(process.argv[2] ?? 20_000);

async function previewTimes(location: string): Promise<{ runMs: number; batchMs: number; rollbackMs: number }> {
  const store = await openStore(location);
  try {
    const source = await openSource(`synthetic:seed=1,count=${hearings}`);
    const run = await runUpdate({ store, source, mode: 'batch', batchSize: Math.max(1, Math.round(hearings / 70)) });
    const timed = async (batchSeq: number | null, dryRun = true) => {
      const started = performance.now();
      await rollback(store, { runId: run.runId, batchSeq, dryRun, reason: 'bench', operator: 'bench' });
      return performance.now() - started;
    };
    return { runMs: await timed(null), batchMs: await timed(2), rollbackMs: await timed(null, false) };
  } finally {
    await store.close();
  }
}

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
const url = postgresBenchUrl();
const schema = `gh_bench_${process.pid}_${Date.now().toString(36)}`;
try {
  const sqlite = await previewTimes(path.join(folder, 'gatehouse.db'));
  const postgres = await previewTimes(benchSchemaUrl(url, schema));
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  process.stdout.write(`rollback preview of ${hearings} hearings over 70 batches: run ${ms(sqlite.runMs)} SQLite, ${ms(postgres.runMs)} PostgreSQL; one batch ${ms(sqlite.batchMs)} SQLite, ${ms(postgres.batchMs)} PostgreSQL; the run's rollback ${ms(sqlite.rollbackMs)} SQLite, ${ms(postgres.rollbackMs)} PostgreSQL\n`);
} finally {
  fs.rmSync(folder, { recursive: true, force: true });
  await dropSchema(url, schema);
}
