import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tester } from '../helpers/callers.js';
import { dispatch, startHttpServer, type EngineHost } from '../../main/api/index.js';
import { generateHearings } from '../../main/sources/index.js';
import type { ApiHandlers } from '../../shared/api.js';
import { failure, openConsoleApi, type ConsoleApi } from '../helpers/console-api.js';

let consoleApi: ConsoleApi;
let folder: string;
let engine: EngineHost;
let api: ApiHandlers;
const uploads = () => path.join(folder, 'uploads');

beforeEach(async () => {
  consoleApi = await openConsoleApi('gatehouse-upload-');
  ({ folder, engine, api } = consoleApi);
});

afterEach(() => consoleApi.close());

const ndjson = (count: number) => generateHearings({ seed: 4, count }).map((record) => JSON.stringify(record)).join('\n');

describe('uploading a record file in browser mode', () => {
  it('keeps the file beside the database and its file: source runs, adding its records', async () => {
    const upload = await api['sources.upload']({ name: 'week 48.ndjson', content: ndjson(40) }, tester);
    expect(upload).toMatchObject({ bytes: Buffer.byteLength(ndjson(40)), records: null });
    const file = upload.source.slice('file:'.length);
    expect(path.dirname(file)).toBe(uploads());
    expect(path.basename(file)).toMatch(/-week_48\.ndjson$/);
    expect((await consoleApi.run({ source: upload.source, batchSize: 10, task: null })).metrics).toMatchObject({ fetched: 40, added: 40, updated: 0 });
  });

  it('never writes outside the uploads folder, whatever the name says', async () => {
    const upload = await api['sources.upload']({ name: '../../etc/passwd', content: ndjson(2) }, tester);
    expect(path.dirname(upload.source.slice('file:'.length))).toBe(uploads());
  });

  it.each([
    ['text that is not JSON', 'hello, these are my notes', /not|JSON|parse/i],
    ['JSON of the wrong shape', '{"name": "a config file"}', /committee/i],
    ['an empty file', '', /no records/],
  ])('refuses %s with a clear error and keeps nothing', async (_what, content, message) => {
    const error = failure(await dispatch(api, 'sources.upload', { name: 'notes.json', content }, tester));
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.message).toMatch(message);
    expect(error.message).toContain('notes.json');
    expect(error.message).not.toContain(folder);
    expect(fs.existsSync(uploads()) ? fs.readdirSync(uploads()) : []).toEqual([]);
  });

  it('refuses a file name holding a control character, which its messages and source would carry to a terminal, and keeps nothing', async () => {
    const error = failure(await dispatch(api, 'sources.upload', { name: 'week\u001b[2J.ndjson', content: ndjson(2) }, tester));
    expect(error).toMatchObject({ code: 'INPUT_INVALID', message: 'bad input for sources.upload: ✖ contains the control character U+001B (ESC) at character 5; → at name' });
    expect(fs.existsSync(uploads()) ? fs.readdirSync(uploads()) : []).toEqual([]);
  });

  it('refuses a file over the size limit', async () => {
    const error = failure(await dispatch(api, 'sources.upload', { name: 'huge.ndjson', content: 'x'.repeat(8_000_001) }, tester));
    expect(error.code).toBe('INPUT_INVALID');
  });

  it('takes an upload larger than an ordinary API body over HTTP', async () => {
    const server = await startHttpServer({ handlers: api, engine, staticRoot: null });
    try {
      const content = ndjson(1_500);
      expect(Buffer.byteLength(content)).toBeGreaterThan(1_000_000);
      const response = await fetch(`http://127.0.0.1:${server.port}/api/sources.upload`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${server.apiToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'backlog.ndjson', content }),
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { data: { bytes: number } }).data.bytes).toBe(Buffer.byteLength(content));
    } finally {
      await server.close();
    }
  });
});
