import { afterAll, describe, expect, it } from 'vitest';
import { snapshotSchemaPrefix, stagingCopyTarget } from '../../main/store/index.js';
import { connectToPostgres, dropRunSchemas, dropSchemas, postgresReachable, testRunTag, uniqueSchema, urlWithSchema } from '../helpers/postgres.js';

/** The test helpers' own PostgreSQL cleanup: nothing a test made, or Gatehouse made from it, stays behind. */

const reachable = (await postgresReachable()) === null;
const made: string[] = [];
afterAll(async () => {
  if (!reachable) return;
  const client = await connectToPostgres();
  try {
    for (const name of made) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  } finally {
    await client.end();
  }
});

async function existing(names: string[]): Promise<string[]> {
  const client = await connectToPostgres();
  try {
    const { rows } = await client.query<{ name: string }>('SELECT nspname AS name FROM pg_namespace WHERE nspname = ANY($1) ORDER BY nspname', [names]);
    return rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

async function createSchemas(names: string[]): Promise<void> {
  made.push(...names);
  const client = await connectToPostgres();
  try {
    for (const name of names) await client.query(`CREATE SCHEMA "${name}"`);
  } finally {
    await client.end();
  }
}

describe.skipIf(!reachable && process.env.CI !== 'true')('PostgreSQL schemas of the tests', () => {
  it('dropSchemas drops a store\'s schema with its snapshots, its default staging schema, a staging copy, and theirs', async () => {
    const schema = uniqueSchema();
    const staging = `${schema}_staging`;
    const copying = (name: string) => new URL(stagingCopyTarget(urlWithSchema(name))).searchParams.get('schema')!;
    const derived = [`${snapshotSchemaPrefix(schema)}20260101t000000000z_aaaaaa`, staging, `${snapshotSchemaPrefix(staging)}20260101t000000000z_bbbbbb`, copying(schema), copying(staging)];
    await createSchemas([schema, ...derived]);
    await dropSchemas([schema]);
    expect(await existing([schema, ...derived])).toEqual([]);
  });

  it('the run\'s teardown drops every schema of the run a test left, and none of another run', async () => {
    expect(uniqueSchema()).toContain(`_${testRunTag()}_`);
    // A tag of its own: the teardown of this run's tag would drop the schemas of files running beside this one.
    const tag = `rcleanup${process.pid}`;
    const ours = [`gh_test_${tag}_1_x_1`, `gh_trial_src_${tag}_1_x_2`, `gh_test_${tag}_1_x_1_staging`];
    const theirs = `gh_test_rother${process.pid}_1_x_1`;
    await createSchemas([...ours, theirs]);
    expect((await dropRunSchemas(tag)).sort()).toEqual([...ours].sort());
    expect(await existing([...ours, theirs])).toEqual([theirs]);
  });

  it('the run\'s teardown drops the snapshots of a schema the run named that a test dropped itself', async () => {
    const tag = `rdropped${process.pid}`;
    const gone = `gh_test_${tag}_1_x_1`;
    const snapshot = `${snapshotSchemaPrefix(gone)}20260101t000000000z_cccccc`;
    await createSchemas([snapshot]);
    expect(await dropRunSchemas(tag, [gone])).toEqual([snapshot]);
    expect(await existing([snapshot])).toEqual([]);
  });
});
