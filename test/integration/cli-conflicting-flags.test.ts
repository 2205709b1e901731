import fs from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { testBackends } from '../helpers/backends.js';
import { runCli, startCli } from '../helpers/cli.js';

/**
 * Flags that ask for opposite things, or for what the command does not do, ran anyway: `update
 * --snapshot --no-snapshot` silently took the last one (no snapshot), and `scheduler --json`
 * without --once started the scheduler for good with no report to print. Both are refused as
 * usage errors before anything is opened.
 */
describe.each(testBackends())('flags that contradict each other, on $name', (backend) => {
  afterAll(() => backend.cleanup());
  // A scheduler that took --json without --once runs until stopped: stop it, the test having failed.
  const started: ChildProcess[] = [];
  afterEach(() => void started.splice(0).forEach((child) => child.exitCode === null && child.kill()));

  it('refuses them with exit 2 and the reason, touching no database', async () => {
    const location = await backend.freshLocation();
    for (const order of [['--snapshot', '--no-snapshot'], ['--no-snapshot', '--snapshot']]) {
      const both = runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=5', ...order, '--json']);
      expect(both.code).toBe(2);
      expect(JSON.parse(both.stdout)).toEqual({ error: { code: 'USAGE', message: '--snapshot and --no-snapshot contradict each other: give one (neither: the snapshot policy decides)' } });
    }
    const scheduler = startCli(['scheduler', '--db', location, '--json']);
    started.push(scheduler.child);
    const forever = await scheduler.done;
    expect(forever.code).toBe(2);
    expect(forever.stderr).toMatch(/--json prints the report of one check: give it with --once/);

    // rollback is two commands in one: --list's paging, or a rollback's target and policy, given to the other were ignored unsaid.
    for (const [args, message] of [
      [['--list', '--run', '1', '--batch', '2'], '--batch does not apply to rollback --list (it lists past rollbacks: give --run, --limit, --after)'],
      [['--list', '--dry-run'], '--dry-run does not apply to rollback --list (it lists past rollbacks: give --run, --limit, --after)'],
      [['--run', '1', '--dry-run', '--limit', '5'], '--limit applies only to rollback --list'],
      [['--run', '1', '--reason', 'bad feed', '--after', '3'], '--after applies only to rollback --list'],
    ] as const) {
      const mixed = runCli(['rollback', '--db', location, ...args, '--json']);
      expect(mixed.code, mixed.stderr).toBe(2);
      expect(JSON.parse(mixed.stdout)).toEqual({ error: { code: 'USAGE', message } });
    }

    if (backend.name === 'sqlite') expect(fs.existsSync(location)).toBe(false);
    const store = await backend.open(location);
    try {
      expect(await store.listRuns()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
