import { afterAll, describe, expect, it } from 'vitest';
import { stagingTargetFor } from '../../main/trials/index.js';
import { testBackends } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { seedTunableTask } from '../helpers/sensitivity-fixtures.js';
import { sensitivityVersions } from '../../main/validation/index.js';

describe.each(testBackends())('gatehouse validate tune ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  async function seededDatabase(): Promise<string> {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      await seedTunableTask(store);
    } finally {
      await store.close();
    }
    return location;
  }

  it('prints the what-if before saving, saves only without --dry-run, and the saved version is in the audit trail', async () => {
    const db = await seededDatabase();
    const dry = runCli(['validate', 'tune', '--db', db, '--task', 'daily', '--metric', 'fetched', '--sensitivity', 'off', '--min-signals', '2', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/what-if for task daily/);
    expect(dry.stdout).toMatch(/new: +fetched off; 2\+ signals to alert/);
    expect(dry.stdout).toMatch(/trial kind +cases +caught in force +caught new/);
    expect(dry.stdout).toMatch(/^spike +1 +1 +0 +0$/m);
    expect(dry.stdout).toMatch(/dry run: nothing saved/);

    const saved = runCli(['validate', 'tune', '--db', db, '--task', 'daily', '--metric', 'fetched', '--sensitivity', 'off', '--min-signals', '2', '--reason', 'a noisy feed week', '--operator', 'dana', '--json']);
    expect(saved.code, saved.stderr).toBe(0);
    const report = JSON.parse(saved.stdout);
    // The what-if of a dry run and of a save are the same: nothing was saved in between.
    expect(report).toMatchObject({ task: 'daily', before: { metrics: {}, minSignals: 1 }, after: { metrics: { fetched: 'off' }, minSignals: 2 } });
    expect(report.report.before.alertedRuns).toBeGreaterThan(report.report.after.alertedRuns);
    expect(report.saved).toMatchObject({ task: 'daily', version: 1, operator: 'dana', reason: 'a noisy feed week', settings: { metrics: { fetched: 'off' }, minSignals: 2 } });

    // The next change starts from the version in force and keeps what it does not touch.
    const next = JSON.parse(runCli(['validate', 'tune', '--db', db, '--task', 'daily', '--metric', 'added', '--sensitivity', '3.5', '--reason', 'added is steadier', '--json']).stdout);
    expect(next.before).toEqual({ metrics: { fetched: 'off' }, minSignals: 2 });
    expect(next.saved).toMatchObject({ version: 2, settings: { metrics: { fetched: 'off', added: 3.5 }, minSignals: 2 } });
  }, 120_000);

  it.runIf(backend.name === 'sqlite')('adds the trial cases of the staging file beside the database, and refuses a named one that does not exist', async () => {
    const db = await seededDatabase();
    const staging = await backend.open(stagingTargetFor(db));
    try {
      await seedTunableTask(staging);
    } finally {
      await staging.close();
    }
    const result = runCli(['validate', 'tune', '--db', db, '--task', 'daily', '--metric', 'fetched', '--sensitivity', 'off', '--min-signals', '2', '--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^spike +2 +2 +0 +0$/m);
    const missing = runCli(['validate', 'tune', '--db', db, '--task', 'daily', '--min-signals', '2', '--dry-run', '--staging', `${db}.nowhere.db`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/staging database .* does not exist/);
  }, 120_000);

  it('refuses the database itself named as the staging copy, whose trial cases it counted twice', async () => {
    const db = await seededDatabase();
    const itself = backend.name === 'postgres' ? new URL(db).searchParams.get('schema')! : db;
    const args = ['validate', 'tune', '--db', db, '--task', 'daily', '--metric', 'fetched', '--sensitivity', 'off', '--min-signals', '2', '--dry-run'];
    expect(runCli(args).stdout).toMatch(/^spike +1 +1 +0 +0$/m);
    const named = runCli([...args, '--staging', itself]);
    expect({ code: named.code, stdout: named.stdout }).toEqual({ code: 2, stdout: '' });
    expect(named.stderr).toContain(`staging ${itself} is the database itself, whose trial cases the what-if counts already`);
  }, 120_000);

  it('exits 2 on an unknown task or metric, an out-of-range value, or a save without a reason, and saves nothing', async () => {
    const db = await seededDatabase();
    const refusals: [string[], RegExp][] = [
      [['--task', 'weekly', '--metric', 'fetched', '--sensitivity', 'high', '--reason', 'x'], /unknown task "weekly"/],
      [['--task', 'daily', '--metric', 'witnesses', '--sensitivity', 'high', '--reason', 'x'], /--metric must be one of fetched, added/],
      [['--task', 'daily', '--metric', 'fetched', '--sensitivity', '42', '--reason', 'x'], /--sensitivity/],
      [['--task', 'daily', '--metric', 'fetched', '--sensitivity', 'loud', '--reason', 'x'], /--sensitivity/],
      [['--task', 'daily', '--min-signals', '9', '--reason', 'x'], /--min-signals/],
      [['--task', 'daily', '--metric', 'fetched', '--reason', 'x'], /--metric and --sensitivity together/],
      [['--task', 'daily', '--metric', 'fetched', '--sensitivity', 'high'], /--reason: needed to save/],
    ];
    for (const [args, message] of refusals) {
      const result = runCli(['validate', 'tune', '--db', db, ...args]);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    const store = await backend.open(db);
    try {
      expect(await sensitivityVersions(store).history()).toEqual([]);
    } finally {
      await store.close();
    }
  }, 120_000);
});
