import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../main/api/index.js';
import { printed, runCli, servedUrl, startCli } from '../helpers/cli.js';
import { callApi } from '../helpers/console-http.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * validation.batch judges up to 10,000 lines; on the thread that answers requests it held every
 * other one (the console's polling, its event stream) until its last line. `gatehouse serve` judges
 * a batch in a worker thread of its own: held there by the test seam, the batch is surely underway
 * while another request is asked and answered.
 */
const API_TOKEN = 'serve-batch-off-loop-token';
const bearer = { Authorization: `Bearer ${API_TOKEN}` };
const folder = tempFolderEachTest('gh-serve-batch-off-loop-');

let served: ReturnType<typeof startCli> | null = null;
afterEach(async () => {
  // SIGKILL: a test that failed may leave the main thread held at the seam, where SIGTERM is never handled; nothing is checked after.
  served?.child.kill('SIGKILL');
  await served?.done;
  served = null;
});

/** Lets the seam's reader go on: it reads the pipe to its end, which closing it unwritten is. */
function letGo(pipe: string): void {
  fs.closeSync(fs.openSync(pipe, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
}

const history = Array.from({ length: 30 }, (_, day) => ({ startedAt: new Date(Date.UTC(2026, 0, 1 + day, 6)).toISOString(), metrics: { fetched: 100 + (day % 5), added: 10, updated: 5 } }));
const current = { startedAt: '2026-02-10T06:00:00Z', metrics: { fetched: 102, added: 10, updated: 5 } };
const lines = [JSON.stringify({ id: 'steady', history, current }), '[1]', JSON.stringify({ id: 'spike', history, current: { ...current, metrics: { fetched: 900, added: 800, updated: 5 } } })];

describe('gatehouse serve judging a validation.batch', () => {
  it('answers other requests while a batch is being judged, then the batch with the answers validate --batch gives', async () => {
    const fifo = path.join(folder(), 'go-on');
    execFileSync('mkfifo', [fifo]);
    served = startCli(['serve', '--db', path.join(folder(), 'serve.db'), '--port', '0'], {
      GATEHOUSE_API_TOKEN: API_TOKEN, GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_PAUSE_FIFO: fifo, GATEHOUSE_PAUSE_BATCH_JUDGING: '1',
    });
    const server = { port: Number((await servedUrl(served)).port) } as RunningServer;

    const batch = callApi<{ answers: unknown[] }>(server, 'validation.batch', { lines }, bearer);
    await printed(served, /test seam: paused at judging a batch/);
    // Before: the batch held the one thread that answers, so this request waited for it (here: for good).
    const active = await callApi(server, 'runs.active', {}, bearer);
    expect(active).toEqual({ status: 200, result: { ok: true, data: [] } });
    letGo(fifo);

    const { status, result } = await batch;
    expect(status).toBe(200);
    const fromCli = runCli(['validate', '--batch'], { input: `${lines.join('\n')}\n` });
    expect(result).toEqual({ ok: true, data: { answers: fromCli.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown) } });
  });
});
