import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';
import { windSchemaBackTo } from '../helpers/schema-rewind.js';

/**
 * DESIGN §3: one run summary, whichever backend stored the run. PostgreSQL kept run summaries as
 * jsonb, which reorders an object's keys (shortest first), so `runs show --json` printed
 * `"metrics": {"added", "fetched", …}` from PostgreSQL and `{"fetched", "added", …}` from SQLite for
 * the same run, and the API's flags and validation state came back reordered too.
 */
const backends = testBackends();
afterAll(() => Promise.all(backends.map((backend) => backend.cleanup())));

/** The JSON with every leaf replaced by its type: what must be byte-identical (times, durations and ids differ by nature). */
function layout(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(layout);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, layout(item)]));
  return value === null ? null : typeof value;
}

function cliJson(args: string[]): unknown {
  const result = runCli([...args, '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

async function apiJson(backend: TestBackend, location: string, method: 'runs.get' | 'runs.list', input: object): Promise<unknown> {
  const store = await backend.open(location);
  const engine = createInProcessEngineHost({ location });
  try {
    const result = await dispatch(createApi({ store, engine, transport: 'http', databaseLocation: location }), method, input, tester);
    if (!result.ok) throw new Error(`${method} refused: ${result.error.message}`);
    return result.data;
  } finally {
    await engine.close();
    await store.close();
  }
}

/** What an operator reads of the same two runs (a first load, then changes) on one backend, as JSON text of its layout. */
async function whatOperatorsRead(backend: TestBackend): Promise<Record<string, string>> {
  const db = await backend.freshLocation();
  const update = (seed: number) => cliJson(['update', '--db', db, '--source', `synthetic:seed=${seed},count=60`, '--batch-size', '25']);
  const printed = { first: update(1), second: update(2) };
  const read = {
    ...printed,
    runsShow: cliJson(['runs', 'show', '2', '--db', db]),
    runsList: cliJson(['runs', 'list', '--db', db]),
    runsGet: await apiJson(backend, db, 'runs.get', { runId: 2 }),
    apiList: await apiJson(backend, db, 'runs.list', {}),
  };
  return Object.fromEntries(Object.entries(read).map(([what, json]) => [what, JSON.stringify(layout(json), null, 2)]));
}

describe.skipIf(backends.length < 2)('a run read back from SQLite and from PostgreSQL', () => {
  it('prints the same JSON, key for key in the same order, from update --json, runs show, runs list and the API', async () => {
    const [sqlite, postgres] = [await whatOperatorsRead(backends[0]!), await whatOperatorsRead(backends[1]!)];
    for (const what of Object.keys(sqlite)) expect(postgres[what], what).toBe(sqlite[what]);
    // The stored run reads back as `update --json` printed it when it ended.
    expect(sqlite.runsShow!.startsWith(sqlite.second!.slice(0, -2))).toBe(true);
    expect(postgres.runsShow!.startsWith(postgres.second!.slice(0, -2))).toBe(true);
  }, 120_000);
});

describe.each(backends.filter((backend) => backend.name === 'postgres'))('a PostgreSQL database from before summaries kept their key order ($name)', (backend) => {
  it('opens with its runs readable, and the next run reads back in the order it was written', async () => {
    const db = await backend.freshLocation();
    expect(runCli(['update', '--db', db, '--source', 'synthetic:seed=3,count=30', '--json']).code).toBe(0);
    const store = await backend.open(db);
    try {
      // As schema 22 left it: the summaries in jsonb.
      await sql`ALTER TABLE runs ALTER COLUMN metrics_json TYPE jsonb, ALTER COLUMN flags_json TYPE jsonb, ALTER COLUMN validation_json TYPE jsonb`.execute(store.queries.db);
      await windSchemaBackTo(store.queries.db, 23);
    } finally {
      await store.close();
    }
    const before = cliJson(['runs', 'show', '1', '--db', db]) as { metrics: Record<string, number> };
    expect(before.metrics).toMatchObject({ fetched: 30, added: 30 });
    const printed = cliJson(['update', '--db', db, '--source', 'synthetic:seed=4,count=30']) as { runId: number; metrics: object; flags: object };
    const shown = cliJson(['runs', 'show', String(printed.runId), '--db', db]) as typeof printed;
    expect(Object.keys(shown.metrics)).toEqual(Object.keys(printed.metrics));
    expect(Object.keys(shown.metrics).slice(0, 2)).toEqual(['fetched', 'added']);
    expect(Object.keys(shown.flags)).toEqual(Object.keys(printed.flags));
  }, 60_000);
});
