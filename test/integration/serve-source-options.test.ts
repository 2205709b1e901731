import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../main/api/index.js';
import { servedUrl, startCli } from '../helpers/cli.js';
import { callApi } from '../helpers/console-http.js';
import { FAKE_API_KEY, startFakeCongress, type FakeCongress } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * `gatehouse serve` takes the source options `update` takes, so runs started from the console can
 * use them: a real serve process, its runs in its worker thread, against a fake Congress.gov.
 */
const API_TOKEN = 'serve-source-options-token';
const bearer = { Authorization: `Bearer ${API_TOKEN}` };
const folder = tempFolderEachTest('gh-serve-source-options-');

let fake: FakeCongress | null = null;
let served: ReturnType<typeof startCli> | null = null;
afterEach(async () => {
  served?.child.kill('SIGTERM');
  await served?.done;
  served = null;
  await fake?.close();
  fake = null;
});

async function api<T>(server: RunningServer, method: string, body: unknown): Promise<T> {
  const { status, result } = await callApi<T>(server, method, body, bearer);
  if (!result.ok) throw new Error(`${method} failed (HTTP ${status}): ${result.error.code} ${result.error.message}`);
  return result.data;
}

describe('gatehouse serve with source options', () => {
  it('runs console-started Congress.gov runs with the key from --congress-key-file and the wait budget of --congress-max-wait, naming both (not the key) as it starts', async () => {
    const recent = new Date(Date.now() - 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    fake = await startFakeCongress({ house: [hearingRecord(260001, { updateDate: recent, congress: 119 }), hearingRecord(260002, { updateDate: recent, congress: 119 })] });
    fake.override = (request) => (request.path.endsWith('/260002') ? { status: 429, headers: { 'retry-after': '5' } } : undefined);
    const keyFile = path.join(folder(), 'congress.key');
    fs.writeFileSync(keyFile, `${FAKE_API_KEY}\n`);
    const { GATEHOUSE_CONGRESS_API_KEY: _unset, ...env } = process.env;
    served = startCli(['serve', '--db', path.join(folder(), 'serve.db'), '--port', '0', '--congress-key-file', keyFile, '--congress-max-wait', '0'], { ...env, GATEHOUSE_API_TOKEN: API_TOKEN } as Record<string, string>);
    const url = await servedUrl(served);
    const server = { port: Number(url.port), url: url.toString() } as RunningServer;

    const { runId } = await api<{ runId: number }>(server, 'runs.start', { source: `congress:${fake.baseUrl}` });
    await expect.poll(async () => (await api<{ status: string }>(server, 'runs.get', { runId })).status, { timeout: 30_000 }).not.toBe('running');
    const run = await api<{ status: string; error: string | null; metrics: { added: number } }>(server, 'runs.get', { runId });

    // The first meeting was fetched with the file's key (the fake refuses any other with 403).
    expect(run.metrics.added).toBe(1);
    expect(run.status).toBe('interrupted');
    expect(run.error).toMatch(/HTTP 429\); stopped after 1 attempt: waiting 5 s would pass the 0 s one request may wait/);
    served.child.kill('SIGTERM');
    const { stderr } = await served.done;
    expect(stderr).toContain(`congress: runs use the API key from ${keyFile}; a request waits at most 0 s between its attempts before the run stops`);
    expect(stderr).not.toContain(FAKE_API_KEY);
  });

  it('refuses to start on a key file it cannot use, as update does', async () => {
    const keyFile = path.join(folder(), 'empty.key');
    fs.writeFileSync(keyFile, '\n');
    for (const command of [['serve', '--port', '0'], ['update', '--source', 'congress:']]) {
      const cli = startCli([...command, '--db', path.join(folder(), 'x.db'), '--congress-key-file', keyFile]);
      const { code, stderr } = await cli.done;
      expect(code).toBe(2);
      expect(stderr).toContain(`--congress-key-file ${keyFile} is empty: it should hold the Congress.gov API key`);
    }
  });
});
