import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../main/api/index.js';
import { runCli, servedUrl, startCli } from '../helpers/cli.js';
import { callApi } from '../helpers/console-http.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * `gatehouse serve` keeps its SQLite file open for as long as it runs. Deleted under it (rm g.db
 * g.db-wal g.db-shm), the file stayed open to the server's own connection, which went on answering
 * ok to a flag change written into a file no one would read again. Each write of the console's
 * store now checks that its path still names the file it opened. A real `serve`, real HTTP.
 */
const API_TOKEN = 'serve-database-deleted-token';
const bearer = { Authorization: `Bearer ${API_TOKEN}` };
const folder = tempFolderEachTest('gatehouse-serve-database-deleted-');
const started: ReturnType<typeof startCli>[] = [];

afterEach(async () => {
  for (const served of started.splice(0)) {
    served.child.kill('SIGTERM');
    await served.done;
  }
});

async function serve(db: string): Promise<RunningServer> {
  const process = startCli(['serve', '--db', db, '--port', '0'], { GATEHOUSE_API_TOKEN: API_TOKEN });
  started.push(process);
  const url = await servedUrl(process);
  return { port: Number(url.port), url: url.toString() } as RunningServer;
}

const setBatchSize = (server: RunningServer, value: number) => callApi(server, 'flags.set', { flag: 'BATCH_SIZE', value, reason: `batch size ${value}` }, bearer);

describe('gatehouse serve whose SQLite file was deleted or moved while it served', () => {
  it('refuses a flag change with DB_UNREACHABLE and the console\'s hint, instead of writing it into the deleted file', async () => {
    const db = path.join(folder(), 'g.db');
    expect(runCli(['update', '--db', db, '--source', 'synthetic:seed=1,count=30', '--no-snapshot']).code).toBe(0);
    const server = await serve(db);
    expect((await setBatchSize(server, 40)).result.ok).toBe(true);

    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${db}${suffix}`, { force: true });
    const { result } = await setBatchSize(server, 60);
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'DB_UNREACHABLE',
        message: `no database at ${db}`,
        hint: 'the database was deleted or moved after the console opened it: put it back where it was, or restart the console to start a new, empty one',
      },
    });
    expect(fs.existsSync(db)).toBe(false);
  });

  it('refuses writes while the file is moved away, and takes them again once it is put back', async () => {
    const db = path.join(folder(), 'g.db');
    expect(runCli(['update', '--db', db, '--source', 'synthetic:seed=1,count=30', '--no-snapshot']).code).toBe(0);
    const server = await serve(db);
    const aside = path.join(folder(), 'aside.db');
    fs.renameSync(db, aside);
    expect((await setBatchSize(server, 60)).result).toMatchObject({ ok: false, error: { code: 'DB_UNREACHABLE' } });
    // Another file at the path is not the one this server has open either.
    fs.copyFileSync(aside, db);
    expect((await setBatchSize(server, 60)).result).toMatchObject({ ok: false, error: { code: 'DB_UNREACHABLE' } });
    fs.rmSync(db);
    fs.renameSync(aside, db);
    expect((await setBatchSize(server, 70)).result).toMatchObject({ ok: true, data: { newValue: 70 } });
    const shown = runCli(['flags', 'history', '--db', db, '--json']);
    expect(JSON.parse(shown.stdout).map((event: { newValue: unknown }) => event.newValue)).toEqual([70]);
  });
});
