import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ActiveRun } from '../../shared/api.js';
import type { RunSummary } from '../../shared/run.js';
import { testBackends } from '../helpers/backends.js';
import { startCli } from '../helpers/cli.js';
import { callApi } from '../helpers/console-http.js';
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
async function serve(db: string): Promise<Serve> {
  const process = startCli(['serve', '--db', db, '--port', '0'], { GATEHOUSE_API_TOKEN: API_TOKEN });
  const port = await new Promise<number>((resolve, reject) => {
    let printed = '';
    process.child.stdout.on('data', (chunk: Buffer) => {
      printed += chunk.toString('utf8');
      const found = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(printed);
      if (found) resolve(Number(found[1]));
    });
    void process.done.then((result) => reject(new Error(`serve exited (${result.code}): ${result.stderr}`)));
  });
  const running = { ...process, server: { port } as RunningServer };
  started.push(running);
  return running;
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
