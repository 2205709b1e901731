import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { availablePostgresBackend, languageCollatedDatabase, uniqueSchema, urlWithSchema } from '../helpers/postgres.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';
import path from 'node:path';

const collated = (await availablePostgresBackend()) === null ? null : await languageCollatedDatabase();

/**
 * Lists the store orders by a text column (tasks by name, flag values by flag and scope) came back
 * in another order from a PostgreSQL database with a language's collation than from SQLite: the
 * same command printed "a", "A", "b", "Zed" there and "A", "Zed", "a", "b" here.
 */
describe.skipIf(collated === null)('lists ordered by text on a PostgreSQL database with a language collation', () => {
  const folder = tempFolderEachTest('gatehouse-collation-');
  afterAll(() => collated?.drop());

  it('print tasks and flag values in the same order as SQLite, by character code', () => {
    const names = ['b', 'A', 'a', 'Zed'];
    const listed = (db: string) => {
      for (const name of names) expect(runCli(['tasks', 'add', name, '--cron', '0 6 * * *', '--source', 'synthetic:seed=1,count=5', '--db', db]).code).toBe(0);
      for (const name of ['a', 'Zed']) expect(runCli(['flags', 'set', 'BATCH_SIZE', '10', '--scope', `task:${name}`, '--reason', 'canary', '--db', db]).code).toBe(0);
      expect(runCli(['flags', 'set', 'ENABLE_BATCH_PROCESSING', 'false', '--reason', 'drill', '--db', db]).code).toBe(0);
      const tasks = JSON.parse(runCli(['tasks', 'list', '--db', db, '--json']).stdout) as { name: string }[];
      const flags = JSON.parse(runCli(['flags', 'list', '--db', db, '--json']).stdout) as { name: string; scopes: { scope: string }[] }[];
      return { tasks: tasks.map((task) => task.name), flags: flags.flatMap((flag) => flag.scopes.map(({ scope }) => `${flag.name} ${scope}`)) };
    };
    const onSqlite = listed(path.join(folder(), 'gatehouse.db'));
    expect(onSqlite).toEqual({ tasks: ['A', 'Zed', 'a', 'b'], flags: ['ENABLE_BATCH_PROCESSING global', 'BATCH_SIZE task:Zed', 'BATCH_SIZE task:a'] });
    expect(listed(urlWithSchema(uniqueSchema(), collated!.url))).toEqual(onSqlite);
  });
});
