import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tester } from '../helpers/callers.js';
import { createApi, createInProcessEngineHost, dispatch, type EngineHost } from '../../main/api/index.js';
import { openStore, type Store } from '../../main/store/index.js';
import type { ApiHandlers } from '../../shared/api.js';
import { runCli } from '../helpers/cli.js';
import { taskStore } from '../../main/scheduler/index.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * A Congress.gov key written into a source spec would be stored with the task and the run and
 * shown in every list: it is refused wherever a spec enters, with a hint to where keys belong,
 * and a spec stored before this rule is shown redacted.
 */
const SECRET = 'SPEC-SECRET-4242';
const KEYED_SPECS = [
  `congress:https://api.congress.gov/v3?api_key=${SECRET}`,
  `congress:https://api.congress.gov/v3/?API_KEY=${SECRET}`,
  `congress:https://api.congress.gov/v3?api%5Fkey=${SECRET}`,
];

let db: string;

const folder = tempFolderEachTest('gatehouse-keys-');
beforeEach(() => {
  db = path.join(folder(), 'gatehouse.db');
});

function expectRefused(result: ReturnType<typeof runCli>): void {
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/the source spec carries an API key/);
  expect(result.stderr).toMatch(/hint: remove api_key=… from the spec and set GATEHOUSE_CONGRESS_API_KEY/);
  expect(result.stderr + result.stdout).not.toContain(SECRET);
}

async function insertTaskWithStoredKey(store: Store): Promise<void> {
  await taskStore(store).insert({ name: 'legacy', cron: '0 6 * * *', source: KEYED_SPECS[0]!, lookbackDays: 7, enabled: true, at: new Date().toISOString() }, 'an older gatehouse');
}

describe('an API key inside a source spec', () => {
  it.each(KEYED_SPECS)('is refused by update --source %s', (spec) => {
    expectRefused(runCli(['update', '--db', db, '--source', spec, '--no-snapshot']));
  });

  it('is refused by tasks add and tasks edit, and nothing is stored', () => {
    expectRefused(runCli(['tasks', 'add', 'nightly', '--db', db, '--cron', '0 6 * * *', '--source', KEYED_SPECS[0]!]));
    expect(runCli(['tasks', 'add', 'nightly', '--db', db, '--cron', '0 6 * * *', '--source', 'congress:']).code).toBe(0);
    expectRefused(runCli(['tasks', 'edit', 'nightly', '--db', db, '--source', KEYED_SPECS[1]!]));
    const tasks = JSON.parse(runCli(['tasks', 'list', '--db', db, '--json']).stdout) as { source: string }[];
    expect(tasks.map((task) => task.source)).toEqual(['congress:']);
  });

  it('stored before the rule, is shown redacted by tasks list and refused when the task runs', async () => {
    const store = await openStore(db);
    await insertTaskWithStoredKey(store);
    await store.close();
    for (const args of [['tasks', 'list'], ['tasks', 'list', '--json'], ['tasks', 'history'], ['tasks', 'history', '--json']]) {
      const listed = runCli([...args, '--db', db]);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain('api_key=***');
      expect(listed.stdout).not.toContain(SECRET);
    }
    expectRefused(runCli(['tasks', 'run', 'legacy', '--db', db]));
  });
});

describe('an API key inside a source spec, through the console API', () => {
  let store: Store;
  let engine: EngineHost;
  let api: ApiHandlers;

  beforeEach(async () => {
    store = await openStore(db);
    engine = createInProcessEngineHost({ location: db });
    api = createApi({ store, engine, transport: 'http' });
  });
  afterEach(async () => {
    await engine.close();
    await store.close();
  });

  it('is refused by runs.start and tasks.add with the hint, and never echoed', async () => {
    for (const [method, input] of [
      ['runs.start', { source: KEYED_SPECS[0] }],
      ['tasks.add', { name: 'nightly', cron: '0 6 * * *', source: KEYED_SPECS[2] }],
    ] as const) {
      const answer = await dispatch(api, method, input, tester);
      expect(answer).toMatchObject({ ok: false, error: { code: 'USAGE', hint: expect.stringContaining('GATEHOUSE_CONGRESS_API_KEY') } });
      expect(JSON.stringify(answer)).not.toContain(SECRET);
    }
    expect(await taskStore(store).list()).toEqual([]);
  });

  it('stored before the rule, comes back redacted from tasks.list', async () => {
    await insertTaskWithStoredKey(store);
    const answer = await dispatch(api, 'tasks.list', {}, tester);
    expect(answer).toMatchObject({ ok: true, data: [{ name: 'legacy', source: 'congress:https://api.congress.gov/v3?api_key=***' }] });
  });
});
