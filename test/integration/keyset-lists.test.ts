import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { openConsoleApi, type ConsoleApi } from '../helpers/console-api.js';

/** Lists that had a limit and no cursor: older items past one page could not be reached. */
let c: ConsoleApi;
afterEach(() => c.close());

function cliJson(args: string[]): unknown {
  const result = runCli([...args, '--db', c.location, '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

describe('keyset pages of rollouts and sensitivity versions', () => {
  it('walks rollouts newest first a page at a time, the same on the CLI, and refuses a bad cursor', async () => {
    c = await openConsoleApi('gatehouse-keyset-');
    await c.call('tasks.add', { name: 'canary-feed', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' });
    for (const name of ['first', 'second', 'third']) {
      const started = await c.call('rollouts.start', { name, flagChanges: [{ flag: 'ENABLE_BATCH_PROCESSING', value: false }], canaryTask: 'canary-feed', reason: name });
      await c.call('rollouts.abort', { rolloutId: started.id, reason: 'next one' });
    }
    const firstPage = await c.call('rollouts.list', { limit: 2 });
    const secondPage = await c.call('rollouts.list', { limit: 2, after: firstPage.at(-1)!.id });
    expect([...firstPage, ...secondPage].map((r) => r.name)).toEqual(['third', 'second', 'first']);
    expect((await c.call('rollouts.list', {})).map((r) => r.name)).toEqual(['third', 'second', 'first']);
    expect(cliJson(['rollout', 'list', '--limit', '2', '--after', String(firstPage.at(-1)!.id)])).toEqual(secondPage);
    await expect(c.call('rollouts.list', { after: 0 })).rejects.toThrow(/INPUT_INVALID/);
    await expect(c.call('rollouts.list', { limit: 501 })).rejects.toThrow(/INPUT_INVALID/);
    expect(runCli(['rollout', 'list', '--after', '-1', '--db', c.location]).code).toBe(2);
  });

  it('walks a task\'s sensitivity versions newest first a page at a time', async () => {
    c = await openConsoleApi('gatehouse-keyset-');
    await c.call('tasks.add', { name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' });
    for (const minSignals of [1, 2, 3]) await c.call('sensitivity.save', { task: 'daily', settings: { metrics: {}, minSignals }, reason: `${minSignals} signals` });
    const firstPage = await c.call('sensitivity.history', { task: 'daily', limit: 2 });
    const secondPage = await c.call('sensitivity.history', { task: 'daily', limit: 2, after: firstPage.at(-1)!.id });
    expect([...firstPage, ...secondPage].map((v) => v.reason)).toEqual(['3 signals', '2 signals', '1 signals']);
    expect(await c.call('sensitivity.history', { task: 'daily', after: secondPage[0]!.id })).toEqual([]);
  });
});
