import os from 'node:os';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { undoJournal, type WriterAttempt } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { isPostgresUrl, type Store } from '../../main/store/index.js';
import type { ActiveRun } from '../../shared/api.js';
import type { RunEvent, RunSummary } from '../../shared/run.js';
import { testBackends } from '../helpers/backends.js';
import { runCli, servedUrl, startCli } from '../helpers/cli.js';
import { callApi, openEventStream, signIn } from '../helpers/console-http.js';
import { sessionsGone } from '../helpers/postgres.js';
import { arraySource, hearingRecords } from '../helpers/records.js';
import type { RunningServer } from '../../main/api/index.js';

/**
 * `gatehouse serve` killed (kill -9) while an update runs, then started again on the same database:
 * the console must show the run as interrupted with its reason and offer the resume, not show it
 * running for good (before, it stayed `running` until some other writer happened to start).
 * A real `serve` process, real HTTP on 127.0.0.1, on both backends.
 */
const API_TOKEN = 'serve-restart-test-token';
const bearer = { Authorization: `Bearer ${API_TOKEN}` };

type Serve = ReturnType<typeof startCli> & { server: RunningServer };
const started: Serve[] = [];

/** Starts `gatehouse serve` and resolves once it prints its sign-in link (it is listening then). */
async function serve(db: string, env: Record<string, string> = {}): Promise<Serve> {
  const process = startCli(['serve', '--db', db, '--port', '0'], { GATEHOUSE_API_TOKEN: API_TOKEN, ...env });
  const url = await servedUrl(process);
  const running = { ...process, server: { port: Number(url.port), url: url.toString() } as RunningServer };
  started.push(running);
  return running;
}

/** Resolves once `serve` has said `line` on stderr (a test seam's "holding at …"); fails if it exits first. */
function saidOnStderr(served: Serve, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let said = '';
    served.child.stderr.on('data', (chunk: Buffer) => {
      said += chunk.toString('utf8');
      if (said.includes(line)) resolve();
    });
    void served.done.then((result) => reject(new Error(`serve exited (${result.code}) before saying "${line}": ${result.stderr}`)));
  });
}

async function api<T>(served: Serve, method: string, body: unknown): Promise<T> {
  const { status, result } = await callApi<T>(served.server, method, body, bearer);
  if (!result.ok) throw new Error(`${method} failed (HTTP ${status}): ${result.error.code} ${result.error.message}`);
  return result.data;
}

afterEach(async () => {
  for (const served of started.splice(0)) {
    served.child.kill('SIGTERM');
    await served.done;
  }
});

describe.each(testBackends())('gatehouse serve restarted after kill -9 mid-update, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('shows the run interrupted with its reason and resumable, not running for good', async () => {
    const db = await backend.freshLocation();
    const first = await serve(db);
    const { runId } = await api<{ runId: number }>(first, 'runs.start', { source: 'synthetic:seed=7,count=200000', batchSize: 50 });
    await expect.poll(async () => (await api<ActiveRun[]>(first, 'runs.active', {})).find((run) => run.runId === runId)?.metrics.added ?? 0, { timeout: 60_000 }).toBeGreaterThan(0);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');

    const second = await serve(db);
    const [listed] = await api<RunSummary[]>(second, 'runs.list', { limit: 1 });
    expect(listed).toMatchObject({ runId, status: 'interrupted', error: 'the process running it stopped before it finished' });
    expect(listed!.metrics.added).toBeGreaterThan(0);
    const detail = await api<{ status: string; resumable: boolean; rollbackRefusals: { message: string }[] }>(second, 'runs.get', { runId });
    expect(detail).toMatchObject({ status: 'interrupted', resumable: true });
    expect(detail.rollbackRefusals.map((refusal) => refusal.message).join('\n')).not.toContain('still running');
    expect(await api(second, 'runs.active', {})).toEqual([]);
  });
});

/**
 * `gatehouse serve` stopped with SIGTERM while a run goes on: it closed the consoles' event streams
 * and stopped notifying before it stopped the run, so the run's end (interrupted, and by what) never
 * reached a console still connected, nor the notification log.
 */
describe.each(testBackends())('gatehouse serve shut down mid-update, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('pushes the stopped run\'s end to the consoles still connected, and notifies it, before it closes', async () => {
    const db = await backend.freshLocation();
    const served = await serve(db);
    const cookie = await signIn(served.server, served.server.url);
    const stream = openEventStream(served.server, cookie);
    await stream.ready;
    const runEvents = () => stream.frames.filter((frame) => frame.name === 'run').map((frame) => frame.data as RunEvent);
    const { runId } = await api<{ runId: number }>(served, 'runs.start', { source: 'synthetic:seed=8,count=200000', batchSize: 50 });
    await expect.poll(() => runEvents().some((event) => event.type === 'batch-finished' && event.runId === runId), { timeout: 60_000 }).toBe(true);

    served.child.kill('SIGTERM');
    const ended = await served.done;
    expect(ended.code, ended.stderr).toBe(0);
    // The console's stream and notices say it can be resumed (the run page gives the command); the stored reason keeps --resume.
    const stopped = `stopped as gatehouse serve (pid ${served.child.pid}) shut down on SIGTERM after the last committed batch`;
    expect(runEvents().find((event) => event.type === 'run-finished')).toMatchObject({ runId, summary: { status: 'interrupted', error: `${stopped} — it can be resumed` } });
    expect(stream.closed).toBe(true);
    expect(ended.stderr).toContain(`${stopped} — it can be resumed`);
    expect(ended.stderr).not.toContain('--resume');
    const shown = runCli(['runs', 'show', String(runId), '--db', db, '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ error: `${stopped} — resume with --resume ${runId}` });
  });
});

/**
 * A rollback killed with `serve` (kill -9 mid-transaction) left nothing in the audit: its rollback
 * event dies with its transaction, so support staff could not see that anyone had tried. Its attempt
 * row now says who started what, and the next `serve` settles it: failed, its rollback event not
 * stored (it was settled `unfinished`, support told to look for that event themselves); the rollback
 * itself stays all-or-nothing.
 */
describe.each(testBackends())('a rollback killed with gatehouse serve, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  async function withStoreAt<T>(db: string, work: (store: Store) => Promise<T>): Promise<T> {
    const store = await backend.open(db);
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  }

  const titles = (store: Store) => store.queries.db.selectFrom('hearings').select(['eventId', 'title']).orderBy('eventId').execute();

  it('shows the attempt as started, then failed and not committed after the restart, and nothing of the rollback was kept', async () => {
    const db = await backend.freshLocation();
    const before = await withStoreAt(db, async (store) => {
      await runUpdate({ store, source: arraySource(hearingRecords(10, 400000)) });
      await runUpdate({ store, source: arraySource(hearingRecords(12, 400000, () => ({ title: 'A later look' }))) });
      return titles(store);
    });
    const first = await serve(db, { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_HANG_PROGRESS: 'undoing hearings' });
    const held = saidOnStderr(first, 'test seam: holding at undoing hearings');
    const applied = api(first, 'rollback.apply', { runId: 2, confirmRunId: 2, reason: 'a bad feed' }).catch((error: unknown) => error);
    await held;
    const operator = os.userInfo().username;
    expect(await api<WriterAttempt[]>(first, 'backups.attempts', {})).toEqual([expect.objectContaining({ operation: 'a rollback of run 2', operator, outcome: null, endedAt: null })]);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    await applied;
    if (isPostgresUrl(db)) await sessionsGone(db);

    const second = await serve(db);
    const [attempt] = await api<WriterAttempt[]>(second, 'backups.attempts', {});
    expect(attempt).toMatchObject({ operation: 'a rollback of run 2', operator, outcome: 'failed', endedAt: expect.any(String) });
    expect(attempt!.detail).toBe('the process running it stopped before it reported an outcome (killed or crashed); it was not committed: nothing was changed (the audit holds no rollback event of it); reason: a bad feed');
    const cli = runCli(['backups', 'attempts', '--db', db]);
    expect(cli.stdout).toMatch(/a rollback of run 2 +\S+ +failed/);
    await withStoreAt(db, async (store) => {
      expect(await titles(store)).toEqual(before);
      expect(await undoJournal(store).listEvents({ runId: 2 })).toEqual([]);
      expect((await store.getRun(2))?.status).toBe('success');
    });

    const report = await api<{ runRolledBack: boolean }>(second, 'rollback.apply', { runId: 2, confirmRunId: 2, reason: 'a bad feed, again' });
    expect(report.runRolledBack).toBe(true);
    expect((await api<WriterAttempt[]>(second, 'backups.attempts', {})).map((a) => a.outcome)).toEqual(['succeeded', 'failed']);
  });
});
