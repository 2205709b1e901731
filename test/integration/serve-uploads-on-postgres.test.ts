import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../main/api/index.js';
import { servedUrl, startCli } from '../helpers/cli.js';
import { data } from '../helpers/console-http.js';
import { availablePostgresBackend } from '../helpers/postgres.js';
import { hearingRecords } from '../helpers/records.js';

const postgres = await availablePostgresBackend();
const API_TOKEN = 'serve-uploads-test-token';
const bearer = { Authorization: `Bearer ${API_TOKEN}` };

/**
 * A team's browser console (`gatehouse serve --db postgres://…`) takes an uploaded record file as
 * the SQLite one does: there is no folder beside a PostgreSQL database, so it keeps the file in the
 * server's data folder. Before, the upload was refused and the operator sent to the command line.
 */
describe.skipIf(postgres === null)('uploads in a console on PostgreSQL', () => {
  const dataFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-serve-data-'));
  afterAll(async () => {
    await postgres?.cleanup();
    fs.rmSync(dataFolder, { recursive: true, force: true });
  });

  it('keeps the file in the data folder and answers with the file: source to run', async () => {
    const db = await postgres!.freshLocation();
    const served = startCli(['serve', '--db', db, '--port', '0'], { GATEHOUSE_API_TOKEN: API_TOKEN, GATEHOUSE_DATA: dataFolder });
    try {
      const url = await servedUrl(served);
      const server = { port: Number(url.port), url: url.toString() } as RunningServer;
      const content = JSON.stringify(hearingRecords(3));
      const uploaded = await data<{ source: string; records: number | null }>(server, 'sources.upload', { name: 'week 48.json', content }, bearer);
      expect(uploaded.records).toBe(3);
      const file = uploaded.source.replace(/^file:/, '');
      expect(path.dirname(file)).toBe(path.join(dataFolder, 'uploads'));
      expect(fs.readFileSync(file, 'utf8')).toBe(content);
    } finally {
      served.child.kill('SIGTERM');
      await served.done;
    }
  });
});
