import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { startCommitCutRelay } from '../helpers/commit-cut-relay.js';
import { availablePostgresBackend, readBeside } from '../helpers/postgres.js';

const backend = await availablePostgresBackend();

/** Which of an update's transactions is cut, by a statement only it sends. */
const CUTS = [
  { cut: 'the one that opens the run', marked: /insert into "runs"/i, mode: 'batch' },
  { cut: "the first batch's", marked: /insert into "checkpoints"/i, mode: 'batch' },
  { cut: "an all-or-nothing update's one", marked: /insert into "checkpoints"/i, mode: 'all-or-nothing' },
];

/** What the store holds, read on a connection of its own. */
function stored(schema: string) {
  return readBeside(async (rows) => ({
    runs: (await rows(`SELECT id, status FROM "${schema}".runs ORDER BY id`)).map((row) => `${String(row.id)}:${String(row.status)}`),
    quarantined: (await rows(`SELECT count(*) AS n FROM "${schema}".quarantine`))[0]!.n,
    hearings: (await rows(`SELECT count(*) AS n FROM "${schema}".hearings`))[0]!.n,
  }));
}

/**
 * A connection cut after the server ran a COMMIT, before its answer came back: the write went
 * through, and the run's retry made it again — a second run row for one update, a batch
 * quarantined as 20 duplicates of itself (status partial), an all-or-nothing update said to have
 * kept nothing (interrupted) while all of it was stored. Each is now asked after, not made twice.
 * SQLite's COMMIT is in-process: its outcome is always known, nothing to cut.
 */
describe.skipIf(backend === null)('a write of an update whose COMMIT went through but whose answer was cut', () => {
  afterAll(() => backend?.cleanup());

  it.each(CUTS)('is made once when $cut transaction is cut ($mode)', async ({ marked, mode }) => {
    const location = await backend!.freshLocation();
    expect(runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=20']).code).toBe(0);
    const server = new URL(location);
    const relay = await startCommitCutRelay({ host: server.hostname, port: Number(server.port || 5432) }, marked, 'after');
    let result;
    try {
      const viaRelay = new URL(location);
      viaRelay.port = String(relay.port);
      result = await startCli(['update', '--db', viaRelay.toString(), '--source', 'synthetic:seed=1,count=45,offset=10', '--batch-size', '20', '--mode', mode, '--json']).done;
      await relay.cut;
    } finally {
      await relay.close();
    }
    const summary = JSON.parse(result.stdout) as { runId: number; status: string; metrics: Record<string, number> };
    expect({ code: result.code, runId: summary.runId, status: summary.status }).toEqual({ code: 0, runId: 2, status: 'success' });
    expect(summary.metrics).toMatchObject({ fetched: 45, added: 35, unchanged: 10, quarantined: 0 });
    expect(await stored(server.searchParams.get('schema')!)).toEqual({ runs: ['1:success', '2:success'], quarantined: '0', hearings: '55' });
  });
});
