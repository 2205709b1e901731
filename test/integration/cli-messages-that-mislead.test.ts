import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import type { ApiHandlers } from '../../shared/api.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';

/**
 * Messages that sent the user the wrong way: a hint naming --db for a --trials typo, an empty list
 * for a run that does not exist, SQLite's "unable to open database file" for a path through a file,
 * an unset of nothing audited as "null → null", and "abort the rollout" before there is one.
 */
const backends = testBackends();
afterAll(async () => {
  for (const backend of backends) await backend.cleanup();
});

async function loadedDatabase(backend: TestBackend): Promise<string> {
  const db = await backend.freshLocation();
  const update = runCli(['update', '--db', db, '--source', 'synthetic:seed=1,count=5', '--no-snapshot']);
  expect(update.code, update.stderr).toBe(0);
  return db;
}

async function withConsole(db: string, backend: TestBackend, work: (api: ApiHandlers) => Promise<void>): Promise<void> {
  const store = await backend.open(db);
  const engine = createInProcessEngineHost({ location: db });
  try {
    await work(createApi({ store, engine, transport: 'http', databaseLocation: db }));
  } finally {
    await engine.close();
    await store.close();
  }
}

describe.each(backends)('messages that name what is wrong ($name)', (backend) => {
  it('report trial --trials naming no database: the hint names --trials, not --db', async () => {
    const db = await loadedDatabase(backend);
    const missing = await backend.freshLocation();
    const refused = runCli(['report', 'trial', '--db', db, '--trials', missing, '--json']);
    expect(refused.code, refused.stderr).toBe(6);
    const { error } = JSON.parse(refused.stdout) as { error: { code: string; message: string; hint: string } };
    expect(error).toMatchObject({ code: 'DB_UNREACHABLE', message: expect.stringContaining('no database at') });
    expect(error.hint).toMatch(/^check --trials for a typo/);
    expect(error.hint).not.toContain('--db');
    // --db's own refusal still names --db.
    expect(runCli(['report', 'trial', '--db', missing]).stderr).toContain('hint: check --db (or GATEHOUSE_DB) for a typo; `gatehouse update` creates a database');
  }, 60_000);

  it('rollback --list --run of a run that does not exist is NOT_FOUND, as quarantine list says, on the CLI and the API', async () => {
    const db = await loadedDatabase(backend);
    const quarantine = runCli(['quarantine', 'list', '--run', '99', '--json', '--db', db]);
    const rollbacks = runCli(['rollback', '--list', '--run', '99', '--json', '--db', db]);
    expect(rollbacks.code, rollbacks.stdout).toBe(quarantine.code);
    expect(JSON.parse(rollbacks.stdout)).toEqual(JSON.parse(quarantine.stdout));
    expect(JSON.parse(rollbacks.stdout)).toEqual({ error: { code: 'NOT_FOUND', message: 'run 99 does not exist', hint: 'see gatehouse runs list' } });
    // A run that is there and was never rolled back is still an empty list.
    const known = runCli(['rollback', '--list', '--run', '1', '--json', '--db', db]);
    expect(known.code, known.stderr).toBe(0);
    expect(JSON.parse(known.stdout)).toEqual([]);
    await withConsole(db, backend, async (api) => {
      expect(await dispatch(api, 'rollback.events', { runId: 99 }, tester)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: 'run 99 does not exist' } });
      expect(await dispatch(api, 'rollback.events', { runId: 1 }, tester)).toEqual({ ok: true, data: [] });
    });
  }, 60_000);

  it('rollout start under a kill: the hint says to lift the kill or leave the flag out, not to abort a rollout there is none of', async () => {
    const db = await loadedDatabase(backend);
    expect(runCli(['flags', 'set', 'ADAPTIVE_BATCHES', 'false', '--scope', 'kill', '--reason', 'stop', '--db', db]).code).toBe(0);
    const refused = runCli(['rollout', 'start', '--flag', 'ADAPTIVE_BATCHES=true', '--stages', 'deployed:2:1', '--reason', 'try', '--json', '--db', db]);
    expect(refused.code, refused.stderr).toBe(2);
    const { error } = JSON.parse(refused.stdout) as { error: { code: string; message: string; hint: string } };
    expect(error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('does not run under a kill') });
    expect(error.hint).not.toMatch(/abort/);
    expect(error.hint).toBe('lift the kill first (gatehouse flags unset ADAPTIVE_BATCHES --scope kill --reason "why"), or start the rollout without ADAPTIVE_BATCHES');
    expect(JSON.parse(runCli(['rollout', 'list', '--json', '--db', db]).stdout)).toEqual([]);
  }, 60_000);
});

describe.runIf(backends.some((backend) => backend.name === 'sqlite'))('a --db whose folder is a file', () => {
  it('is refused as a file, not a folder, with the exit code of a missing folder', async () => {
    const db = await backends.find((backend) => backend.name === 'sqlite')!.freshLocation();
    fs.writeFileSync(db, '');
    const through = path.join(db, 'x.db');
    const missingFolder = runCli(['update', '--db', path.join(path.dirname(db), 'no-folder', 'x.db'), '--source', 'synthetic:seed=1,count=2', '--json']);
    const refused = runCli(['update', '--db', through, '--source', 'synthetic:seed=1,count=2', '--json']);
    expect(refused.code, refused.stderr).toBe(missingFolder.code);
    expect(JSON.parse(refused.stdout).error).toEqual({ code: 'DB_NOT_WRITABLE', message: `cannot create database ${through}: ${db} is a file, not a folder` });
    expect(refused.stderr).not.toContain('unable to open database file');
    // Deeper under the file too.
    const deeper = runCli(['update', '--db', path.join(db, 'a', 'x.db'), '--source', 'synthetic:seed=1,count=2']);
    expect(deeper.stderr).toContain(`${db} is a file, not a folder`);
  }, 60_000);
});
