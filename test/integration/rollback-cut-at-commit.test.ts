import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { startCommitCutRelay, type CommitCut } from '../helpers/commit-cut-relay.js';
import { availablePostgresBackend } from '../helpers/postgres.js';

const backend = await availablePostgresBackend();

/** What the store holds after the cut, read on a connection of its own. */
const EXPECTED: Record<CommitCut, { said: RegExp; events: number; status: string }> = {
  before: { said: /; it was not committed: nothing was changed\n {2}hint: run the rollback again\n$/, events: 0, status: 'success' },
  after: { said: /; it was committed all the same, before the answer could come back: rollback event 1 \(20 hearings deleted, 0 restored\)\n {2}hint: `gatehouse rollback --list --run 1` shows it; do not run it again\n$/, events: 1, status: 'rolled_back' },
};

/**
 * A rollback is one transaction; a connection cut at its COMMIT leaves it all there or not at all,
 * but both ended in the same "cannot reach PostgreSQL … Connection terminated unexpectedly", and
 * support could not tell whether to run it again. SQLite's COMMIT is in-process: no answer to lose.
 */
describe.skipIf(backend === null)('a rollback whose connection to PostgreSQL is cut at its COMMIT', () => {
  afterAll(() => backend?.cleanup());

  it.each(['before', 'after'] as CommitCut[])('cut %s the server runs the COMMIT: is all there or not at all, and says which', async (where) => {
    const location = await backend!.freshLocation();
    expect(runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=20']).code).toBe(0);
    const server = new URL(location);
    const relay = await startCommitCutRelay({ host: server.hostname, port: Number(server.port || 5432) }, /insert into "rollback_events"/i, where);
    try {
      const viaRelay = new URL(location);
      viaRelay.port = String(relay.port);
      const { code, stderr } = await startCli(['rollback', '--run', '1', '--reason', 'cut', '--operator', 'support', '--db', viaRelay.toString()]).done;
      await relay.cut;
      expect({ code, stderr }).toEqual({ code: 6, stderr: expect.stringMatching(/^gatehouse: the connection to the database was lost during the rollback of run 1 \(cannot reach PostgreSQL at .*Connection terminated unexpectedly\)/) });
      expect(stderr).toMatch(EXPECTED[where].said);
    } finally {
      await relay.close();
    }
    const events = JSON.parse(runCli(['rollback', '--list', '--run', '1', '--db', location, '--json']).stdout) as unknown[];
    const run = JSON.parse(runCli(['runs', 'show', '1', '--db', location, '--json']).stdout) as { status: string };
    expect({ events: events.length, status: run.status }).toEqual({ events: EXPECTED[where].events, status: EXPECTED[where].status });
  });
});
