import pg from 'pg';
import { rollback } from '../main/backup/index.js';
import { runUpdate } from '../main/engine/index.js';
import { openSource } from '../main/sources/index.js';
import { openStore } from '../main/store/index.js';
import { benchSchemaUrl, dropSchema, postgresBenchUrl } from './postgres.js';

/**
 * How long an update's write to the appearances waits while a rollback PREVIEW (which takes no
 * writer lock) of a synthetic first load of HEARINGS runs on PostgreSQL. While the preview runs,
 * a second connection takes, over and over, the lock every batch's insert takes on appearances
 * (ROW EXCLUSIVE) in a transaction of its own; the longest wait is what an update's batch would
 * wait; and the longest wait of its rewrite of the hearing the run wrote last (a preview that
 * rewrote the hearings held that row to its end: 535 ms at 20,000 hearings, 4.5 s at 100,000,
 * against a batch's lock_timeout of 5 s; it now reads a snapshot and writes nothing, so what is left
 * is the machine's load). Reported, never asserted. Usage: node dist/bench/preview-blocks-writers.js [HEARINGS]
 */
const hearings = Number(process.argv[2] ?? 20_000);
const url = postgresBenchUrl();
const schema = `gh_bench_${process.pid}_${Date.now().toString(36)}`;
const writer = new pg.Client({ connectionString: url });
try {
  const store = await openStore(benchSchemaUrl(url, schema));
  try {
    const source = await openSource(`synthetic:seed=1,count=${hearings}`);
    const run = await runUpdate({ store, source, mode: 'batch', batchSize: Math.max(1, Math.round(hearings / 70)) });
    await writer.connect();
    await writer.query(`SET search_path TO ${schema}`);
    const [{ n: witnesses }] = (await writer.query('SELECT count(*)::int AS n FROM witnesses')).rows as [{ n: number }];
    /** The writes an update's batch makes, over and over while `going`: their longest waits. */
    const writeWhile = async (going: () => boolean, hearing: string) => {
      const waits = { appearances: 0, hearing: 0, writes: 0 };
      while (going()) {
        const asked = performance.now();
        await writer.query('BEGIN');
        await writer.query('LOCK TABLE appearances IN ROW EXCLUSIVE MODE');
        await writer.query('COMMIT');
        waits.appearances = Math.max(waits.appearances, performance.now() - asked);
        const rewriting = performance.now();
        await writer.query('BEGIN');
        await writer.query('UPDATE hearings SET content_hash = content_hash WHERE event_id = $1', [hearing]);
        await writer.query('COMMIT');
        waits.hearing = Math.max(waits.hearing, performance.now() - rewriting);
        waits.writes += 1;
      }
      return waits;
    };
    let previewing = true;
    const started = performance.now();
    const preview = rollback(store, { runId: run.runId, dryRun: true }).finally(() => (previewing = false));
    const [{ id: hearing }] = (await writer.query("SELECT entity_key AS id FROM undo_journal WHERE entity = 'hearing' ORDER BY id DESC LIMIT 1")).rows as [{ id: string }];
    const during = await writeWhile(() => previewing, hearing);
    await preview;
    const previewMs = performance.now() - started;
    // The floor: the same writes for as long, with no preview running.
    const until = performance.now() + previewMs;
    const alone = await writeWhile(() => performance.now() < until, hearing);
    process.stdout.write(
      `preview of a first load of ${hearings} hearings (${witnesses} witnesses created) on PostgreSQL: ${previewMs.toFixed(0)} ms; an update's write to appearances waited up to ${during.appearances.toFixed(0)} ms, its rewrite of the hearing the run wrote last up to ${during.hearing.toFixed(0)} ms (${during.writes} writes of each during the preview); with no preview, up to ${alone.appearances.toFixed(0)} and ${alone.hearing.toFixed(0)} ms (${alone.writes} writes)\n`,
    );
  } finally {
    await store.close();
  }
} finally {
  await writer.end();
  await dropSchema(url, schema);
}
