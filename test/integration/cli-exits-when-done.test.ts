import { afterEach, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';

const LEAK = { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_LEAVE_OPEN: '1' };

const started: ReturnType<typeof startCli>['child'][] = [];
// A test that times out never reaches a finally after its await: a child still running is killed here.
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function runToEnd(args: string[], env: Record<string, string> = {}) {
  const { child, done } = startCli(args, env);
  started.push(child);
  return done;
}

describe('a finished command ends its process', () => {
  it('exits with its own code, naming what kept it open, when a handle outlives the command', async () => {
    const help = await runToEnd(['--help'], LEAK);
    expect(help.signal).toBeNull();
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: gatehouse/);
    expect(help.stderr).toMatch(/^gatehouse: the command finished but something kept the process open 10 s later \(.*\); exiting$/m);

    const refused = await runToEnd(['runs', 'list', '--db', '/nonexistent/folder/gatehouse.db'], LEAK);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/kept the process open/);
  });

  it('says nothing of the kind when the command leaves nothing open', async () => {
    const help = await runToEnd(['--help']);
    expect(help.code).toBe(0);
    expect(help.stderr).not.toMatch(/kept the process open/);
  });
});
