import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../main/api/index.js';
import { testBackends, withStoreAt } from '../helpers/backends.js';
import { runCli, servedUrl, startCli } from '../helpers/cli.js';
import { callApi } from '../helpers/console-http.js';

const API_TOKEN = 'zoneless-time-filters-token';
const bearer = { Authorization: `Bearer ${API_TOKEN}` };
/** Runs started at these instants; a filter from 10:00 UTC lists the last two. */
const STARTS = ['2026-03-01T09:30:00.000Z', '2026-03-01T12:00:00.000Z', '2026-03-01T16:00:00.000Z'];
const ZONES = ['America/New_York', 'Asia/Tokyo'];

/** `gatehouse serve` over `db` in time zone `tz`, until `work` is done. */
async function servedIn<T>(db: string, tz: string, work: (server: RunningServer) => Promise<T>): Promise<T> {
  const served = startCli(['serve', '--db', db, '--port', '0'], { GATEHOUSE_API_TOKEN: API_TOKEN, TZ: tz });
  try {
    const url = await servedUrl(served);
    return await work({ port: Number(url.port), url: url.toString() } as RunningServer);
  } finally {
    served.child.kill('SIGTERM');
    await served.done;
  }
}

function startsListed(reply: { result: unknown }): string[] {
  const result = reply.result as { ok: boolean; data?: { startedAt: string }[]; error?: unknown };
  expect(result.ok, JSON.stringify(result.error)).toBe(true);
  return result.data!.map((run) => run.startedAt).sort();
}

/**
 * A time filter written without a zone (`2026-03-01T10:00`) is UTC — as a date alone is, and as the
 * console shows every time — whichever zone the server or the CLI runs in. Before, it was read in
 * the machine's zone: a server in New York listed one run, one in Tokyo all three.
 */
describe.each(testBackends())('time filters without a zone ($name)', (backend) => {
  it('mean the same instant on a server in New York and one in Tokyo, over HTTP and on the command line', async () => {
    const db = await backend.freshLocation();
    try {
      await withStoreAt(backend, db, async (store) => {
        for (const startedAt of STARTS) await store.createRun({ mode: 'batch', batchSize: 50, task: null, source: 'synthetic:seed=1,count=1', startedAt, pid: 1, host: 'elsewhere', flags: {}, resumedFrom: null });
      });
      for (const tz of ZONES) {
        await servedIn(db, tz, async (server) => {
          expect(startsListed(await callApi(server, 'runs.list', { since: '2026-03-01T10:00' }, bearer)), tz).toEqual(STARTS.slice(1));
          expect(startsListed(await callApi(server, 'runs.list', { since: '2026-03-01 10:00:00', until: '2026-03-01T13:00' }, bearer)), tz).toEqual([STARTS[1]]);
          // A zone given is the zone meant.
          expect(startsListed(await callApi(server, 'runs.list', { since: '2026-03-01T10:00-05:00' }, bearer)), tz).toEqual([STARTS[2]]);
          const bad = (await callApi(server, 'runs.list', { since: '2026-03-01T25:00' }, bearer)).result as { ok: boolean; error: { code: string; message: string } };
          expect(bad.ok).toBe(false);
          expect(bad.error.code).toBe('INPUT_INVALID');
          expect(bad.error.message).toContain('"2026-03-01T25:00" is not a time of day');
          expect(bad.error.message).toMatch(/at since/);
        });
        const listed = runCli(['runs', 'list', '--db', db, '--since', '2026-03-01T10:00', '--json'], { env: { TZ: tz } });
        expect(listed.code, listed.stderr).toBe(0);
        expect((JSON.parse(listed.stdout) as { startedAt: string }[]).map((run) => run.startedAt).sort(), tz).toEqual(STARTS.slice(1));
      }
    } finally {
      await backend.cleanup();
    }
  }, 120_000);
});
