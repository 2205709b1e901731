import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { flagViewSchema, killedText } from '../../shared/api-operations.js';
import { createApi, createInProcessEngineHost, dispatch, memoryPreferences } from '../../main/api/index.js';
import { openStore } from '../../main/store/index.js';
import { tester } from '../helpers/callers.js';
import { runCli, startCli } from '../helpers/cli.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

let db: string;

const folder = tempFolderEachTest('gatehouse-ops-');
beforeEach(async () => {
  db = path.join(folder(), 'gatehouse.db');
  // An empty store, as `update` or `tasks add` leaves it: the other commands refuse a database that is not there.
  await (await openStore(db)).close();
});

function json(args: string[]) {
  const result = runCli([...args, '--db', db, '--json']);
  if (result.code !== 0) throw new Error(`gatehouse ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

describe('gatehouse flags', () => {
  it('sets a task-scoped flag with a reason, lists it as TARGETING_MATCH, shows history and reverts in one command', () => {
    const event = json(['flags', 'set', 'ENABLE_BATCH_PROCESSING', 'false', '--scope', 'task:hourly', '--reason', 'baseline', '--operator', 'dana']);
    // The same JSON the API returns for flags.set.
    expect(event).toEqual({ id: 1, flag: 'ENABLE_BATCH_PROCESSING', scope: 'task:hourly', oldValue: null, newValue: false, operator: 'dana', reason: 'baseline', at: expect.any(String), revertsEventId: null, changed: true });
    const list = flagViewSchema.array().parse(json(['flags', 'list', '--scope', 'task:hourly']));
    expect(list.find((f) => f.name === 'ENABLE_BATCH_PROCESSING')!.inForce).toMatchObject({ value: false, reason: 'TARGETING_MATCH', scope: 'task:hourly' });
    expect(json(['flags', 'get', 'ENABLE_BATCH_PROCESSING'])).toMatchObject({ value: true, reason: 'DEFAULT' });
    const reverted = json(['flags', 'revert', String(event.id), '--reason', 'canary over']);
    expect(reverted).toMatchObject({ oldValue: false, newValue: null });
    const history = json(['flags', 'history']) as { id: number }[];
    expect(history.map((e) => e.id)).toEqual([2, 1]);
    expect(json(['flags', 'history', '--limit', '1', '--after', '2'])).toEqual([expect.objectContaining({ id: 1, newValue: false })]);
  });

  it('stores a value for a task nobody scheduled or ran, and warns that it governs no run yet (a typo in a kill aimed at one task)', () => {
    json(['tasks', 'add', 'daily', '--cron', '0 6 * * *', '--source', 'synthetic:seed=1,count=5', '--operator', 'dana']);
    const typo = runCli(['flags', 'set', 'ENABLE_RECORD_ISOLATION', 'false', '--scope', 'task:daly', '--reason', 'stop isolation on daily', '--operator', 'sam', '--db', db]);
    expect(typo.code, typo.stderr).toBe(0);
    expect(typo.stderr).toContain('gatehouse: warning: unknown task "daly": no scheduled task or stored run has that name (known tasks: daily): the value is stored, and governs only runs started with --task daly');
    expect(json(['flags', 'get', 'ENABLE_RECORD_ISOLATION', '--scope', 'task:daly'])).toMatchObject({ value: false });
    const meant = runCli(['flags', 'set', 'ENABLE_RECORD_ISOLATION', 'false', '--scope', 'task:daily', '--reason', 'stop isolation on daily', '--operator', 'sam', '--db', db]);
    expect(meant.code, meant.stderr).toBe(0);
    expect(meant.stderr).toBe('');
  });

  it('shows a kill over a task value as the value in force, with who killed it, in flags get, flags list and the table', () => {
    json(['flags', 'set', 'ENABLE_RECORD_ISOLATION', 'true', '--scope', 'task:hourly', '--reason', 'hourly needs isolation', '--operator', 'dana']);
    expect(json(['flags', 'set', 'ENABLE_RECORD_ISOLATION', 'off', '--scope', 'kill', '--reason', 'isolation loops', '--operator', 'ops-bob'])).toMatchObject({ scope: 'kill', oldValue: null, newValue: false, operator: 'ops-bob' });
    const turnedOn = runCli(['flags', 'set', 'ENABLE_RECORD_ISOLATION', 'on', '--scope', 'kill', '--reason', 'x', '--db', db]);
    expect(turnedOn.code).toBe(2);
    expect(turnedOn.stderr).toContain('a kill holds ENABLE_RECORD_ISOLATION at false, not true');
    const got = json(['flags', 'get', 'ENABLE_RECORD_ISOLATION', '--scope', 'task:hourly']);
    expect(got).toMatchObject({ value: false, reason: 'DISABLED', scope: 'kill', killed: expect.stringMatching(/^killed by ops-bob at \S+, over task:hourly's true$/) });
    const list = flagViewSchema.array().parse(json(['flags', 'list', '--scope', 'task:hourly']));
    const isolation = list.find((f) => f.name === 'ENABLE_RECORD_ISOLATION')!;
    // The console writes the kill in its own words from these fields; the CLI's sentence is the same kill.
    const kill = { by: 'ops-bob', at: isolation.killedAt!, over: { scope: 'task:hourly', value: true } };
    expect(isolation.inForce).toEqual({ value: false, reason: 'DISABLED', scope: 'kill', killed: got.killed, kill });
    expect(killedText(kill)).toBe(got.killed);
    // killedAt is when the switch was flipped: the kill value's time, the one the `killed` text names.
    expect(isolation.killedAt).toBe(isolation.scopes.find((s) => s.scope === 'kill')!.updatedAt);
    expect(got.killed).toContain(` at ${isolation.killedAt},`);
    expect(list.filter((f) => f.killedAt !== null).map((f) => f.name)).toEqual(['ENABLE_RECORD_ISOLATION']);
    const text = runCli(['flags', 'get', 'ENABLE_RECORD_ISOLATION', '--scope', 'task:hourly', '--db', db]);
    expect(text.stdout).toContain(`ENABLE_RECORD_ISOLATION = false (DISABLED from kill: ${got.killed})`);
    expect(runCli(['flags', 'list', '--scope', 'task:hourly', '--db', db]).stdout).toMatch(/ENABLE_RECORD_ISOLATION\s+false\s+DISABLED \(killed by ops-bob/);
  });

  it('shows the stored values of a flag as values, in the shape the API gives a flag\'s scopes', () => {
    json(['flags', 'set', 'BATCH_SIZE', '30', '--reason', 'smaller', '--operator', 'dana']);
    json(['flags', 'set', 'BATCH_SIZE', '7', '--scope', 'task:hourly', '--reason', 'tiny', '--operator', 'dana']);
    const flag = json(['flags', 'get', 'BATCH_SIZE', '--scope', 'task:hourly']) as { value: unknown; stored: unknown };
    expect(flag.value).toBe(7);
    const stored = flagViewSchema.shape.scopes.parse(flag.stored);
    expect(stored.map((s) => [s.scope, s.value, s.updatedBy])).toEqual([['global', 30, 'dana'], ['task:hourly', 7, 'dana']]);
  });

  it('lists flags as the API\'s flags.list does, for the same scope, and refuses a malformed scope', async () => {
    json(['flags', 'set', 'BATCH_SIZE', '30', '--reason', 'smaller', '--operator', 'dana']);
    json(['flags', 'set', 'BATCH_SIZE', '7', '--scope', 'task:hourly', '--reason', 'tiny', '--operator', 'dana']);
    const store = await openStore(db);
    try {
      const api = createApi({ store, engine: createInProcessEngineHost({ location: db }), transport: 'http', preferences: memoryPreferences({}) });
      for (const scope of ['global', 'task:hourly', 'task:daily']) {
        const viaApi = await dispatch(api, 'flags.list', { scope }, tester);
        expect(viaApi.ok).toBe(true);
        expect(json(['flags', 'list', '--scope', scope])).toEqual((viaApi as { data: unknown }).data);
      }
      expect(json(['flags', 'list'])).toEqual(await api['flags.list']({}, tester));
      const badScope = await dispatch(api, 'flags.list', { scope: 'tasks:hourly' }, tester);
      // Each surface names the scope as its caller typed it: the API its field, the command line its option.
      expect(badScope).toMatchObject({ ok: false, error: { message: 'scope must be "global", "kill" or "task:NAME", got "tasks:hourly"' } });
    } finally {
      await store.close();
    }
    const badCli = runCli(['flags', 'list', '--scope', 'tasks:hourly', '--db', db]);
    expect(badCli.code).toBe(2);
    expect(badCli.stderr).toBe('gatehouse: --scope must be "global", "kill" or "task:NAME", got "tasks:hourly"\n');
  });

  it('exits 2 with a clear message for a missing reason, a bad value and an unknown flag', () => {
    const noReason = runCli(['flags', 'set', 'BATCH_SIZE', '100', '--db', db]);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('reason is required');
    const bad = runCli(['flags', 'set', 'BATCH_SIZE', '20000', '--reason', 'x', '--db', db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('at most 10000');
    const unknown = runCli(['flags', 'get', 'NOPE', '--db', db]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown flag');
  });
});

describe('gatehouse notify test against receivers that fail', () => {
  /** A port nothing listens on: one a server had, closed again. */
  async function refusedPort(): Promise<number> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  it('reports each channel, and exits 3 when the webhook answered 500 or refused while the log delivered', async () => {
    const failing = http.createServer((_request, response) => response.writeHead(500).end());
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const env = { GATEHOUSE_LOG_FILE: path.join(folder(), 'log.ndjson') };
    try {
      const answered500 = `127.0.0.1:${(failing.address() as AddressInfo).port}`;
      const refused = `127.0.0.1:${await refusedPort()}`;
      for (const [host, why] of [[answered500, 'answered 500'], [refused, 'unreachable: ECONNREFUSED']] as const) {
        const json = await startCli(['notify', 'test', '--webhook', `http://${host}/hook`, '--json'], env).done;
        expect(json.code).toBe(3);
        expect(JSON.parse(json.stdout)).toEqual({ sent: true, folded: 0, channels: [{ channel: 'log', delivered: true }, { channel: 'webhook', delivered: false, error: `webhook ${host} ${why}` }] });
        const text = await startCli(['notify', 'test', '--webhook', `http://${host}/hook`], env).done;
        expect(text.code).toBe(3);
        expect(text.stdout).toBe(`log: delivered\nwebhook: NOT delivered — webhook ${host} ${why}\n`);
      }
    } finally {
      await new Promise<void>((resolve) => failing.close(() => resolve()));
    }
  });
});

describe('gatehouse tasks and report canary', () => {
  it('runs a canary and a baseline task with their scoped flags and reports the comparison', () => {
    json(['flags', 'set', 'ENABLE_BATCH_PROCESSING', 'false', '--reason', 'baseline for everyone']);
    json(['flags', 'set', 'ENABLE_BATCH_PROCESSING', 'true', '--scope', 'task:daily', '--reason', 'canary']);
    expect(json(['tasks', 'add', 'daily', '--cron', '0 6 * * *', '--source', 'synthetic:seed=3,count=120'])).toMatchObject({ name: 'daily', enabled: true });
    json(['tasks', 'add', 'hourly', '--cron', '0 * * * *', '--source', 'synthetic:seed=3,count=120,offset=1000']);
    expect(json(['tasks', 'run', 'daily'])).toMatchObject({ task: 'daily', mode: 'batch', status: 'success', flags: { ENABLE_BATCH_PROCESSING: true } });
    expect(json(['tasks', 'run', 'hourly'])).toMatchObject({ task: 'hourly', mode: 'all-or-nothing' });
    expect(json(['tasks', 'disable', 'hourly', '--reason', 'the canary needs a quiet control'])).toMatchObject({ enabled: false });
    const canary = json(['report', 'canary', '--task', 'daily', '--since', '48h']);
    expect(canary).toMatchObject({ task: 'daily', canary: { runs: 1, recordsLost: 0 }, baseline: { runs: 1 }, controlTasks: ['hourly'] });
    // One run a side is below the minimum: never a pass.
    expect(canary.recommendation).toBe('Not enough data');
    const ghost = runCli(['report', 'canary', '--db', db, '--task', 'ghost']);
    expect(ghost.code).toBe(2);
    expect(ghost.stderr).toContain('unknown task "ghost": no scheduled task or stored run has that name (known tasks: ');
    const noTask = runCli(['report', 'canary', '--db', db]);
    expect(noTask.code).toBe(2);
    expect(noTask.stderr).toContain('--task NAME');
    const out = path.join(folder(), 'canary.html');
    const written = runCli(['report', 'canary', '--db', db, '--task', 'daily', '--out', out]);
    expect(written.code).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toContain('<svg');
  });

  it('keeps who added, disabled and edited a task in tasks history, newest first, paged, and nothing for a refused change', () => {
    json(['tasks', 'add', 'nightly', '--cron', '0 2 * * *', '--source', 'synthetic:seed=1,count=5', '--operator', 'kim']);
    json(['tasks', 'disable', 'nightly', '--operator', 'lee', '--reason', 'feed broken']);
    json(['tasks', 'edit', 'nightly', '--cron', '0 3 * * *', '--operator', 'max']);
    expect(runCli(['tasks', 'disable', 'ghost', '--operator', 'max', '--reason', 'typo', '--db', db]).code).toBe(2);
    expect(runCli(['tasks', 'edit', 'nightly', '--cron', '* * 99 * *', '--db', db]).code).toBe(2);
    const history = json(['tasks', 'history']);
    expect(history.map((e: { id: number; action: string; operator: string }) => [e.id, e.action, e.operator])).toEqual([[3, 'edited', 'max'], [2, 'edited', 'lee'], [1, 'added', 'kim']]);
    expect(history[1]).toMatchObject({ task: 'nightly', before: { enabled: true, cron: '0 2 * * *' }, after: { enabled: false, cron: '0 2 * * *' }, reason: 'feed broken' });
    expect(json(['tasks', 'history', 'nightly', '--limit', '1', '--after', '3']).map((e: { id: number }) => e.id)).toEqual([2]);
    expect(runCli(['tasks', 'history', '--db', db]).stdout).toMatch(/2\s+\S+\s+nightly\s+edited\s+lee\s.*feed broken\n/);
    const badLimit = runCli(['tasks', 'history', '--limit', '0', '--db', db]);
    expect([badLimit.code, badLimit.stderr]).toEqual([2, expect.stringContaining('--limit')]);
  });

  it('refuses a tasks edit that changes nothing by naming the options edit takes, and enable/disable for switching', () => {
    json(['tasks', 'add', 'nightly', '--cron', '0 2 * * *', '--source', 'synthetic:seed=1,count=5']);
    const nothing = runCli(['tasks', 'edit', 'nightly', '--db', db]);
    expect([nothing.code, nothing.stderr.trim()]).toEqual([
      2, 'gatehouse: nothing to change: give --cron, --source or --lookback-days (to switch the task on or off: gatehouse tasks enable|disable nightly --reason "why")',
    ]);
    expect(json(['tasks', 'history'])).toHaveLength(1);
  });

  it('refuses a bad cron and an unknown task', () => {
    const badCron = runCli(['tasks', 'add', 'x', '--cron', '* * 99 * *', '--source', 'synthetic:seed=1,count=1', '--db', db]);
    expect(badCron.code).toBe(2);
    expect(badCron.stderr).toContain('bad cron expression');
    const unknown = runCli(['tasks', 'run', 'ghost', '--db', db]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('task "ghost" does not exist');
  });

  it('writes a validation gate with "no data" instead of pass on an empty database', () => {
    const out = path.join(folder(), 'gate.md');
    expect(runCli(['report', 'validation', '--db', db, '--out', out]).code).toBe(0);
    const markdown = fs.readFileSync(out, 'utf8');
    expect(markdown).toContain('NO DATA');
    expect(markdown).not.toContain('| PASS |');
  });
});

describe('gatehouse notify test', () => {
  it('posts a test message to the webhook given', async () => {
    const bodies: unknown[] = [];
    const server = http.createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        bodies.push(JSON.parse(data));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const result = await startCli(['notify', 'test', '--webhook', url, '--json'], { GATEHOUSE_LOG_FILE: path.join(folder(), 'log.ndjson') }).done;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ sent: true, folded: 0, channels: [{ channel: 'log', delivered: true }, { channel: 'webhook', delivered: true }] });
    expect(bodies).toMatchObject([{ source: 'gatehouse', cause: 'test' }]);
    expect(fs.readFileSync(path.join(folder(), 'log.ndjson'), 'utf8')).toContain('"cause":"test"');
  });
});
