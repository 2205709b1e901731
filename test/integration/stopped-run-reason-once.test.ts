import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { printed, startCli } from '../helpers/cli.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * An interrupted or failed run said its reason twice on the terminal: as the notice
 * ("warning: run N was interrupted — …") and as the summary's "error: …". The summary's line stays
 * (the throttle may hold the notice back); the notice still goes to the log file, and --json is as it was.
 */
const folder = tempFolderEachTest('gatehouse-reason-once-');

async function stoppedAfterFirstBatch(args: string[]) {
  const dir = folder();
  const fifo = path.join(dir, 'pause');
  execFileSync('mkfifo', [fifo]);
  const log = path.join(dir, 'log.jsonl');
  const cli = startCli(['update', '--db', path.join(dir, 'db.sqlite'), '--source', 'synthetic:seed=5,count=20000', '--batch-size', '10', '--no-snapshot', ...args], {
    GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_PAUSE_AFTER_BATCH: '1', GATEHOUSE_PAUSE_FIFO: fifo, GATEHOUSE_LOG_FILE: log,
  });
  await printed(cli, /paused at batch 1 committed/);
  fs.writeFileSync(fifo, 'go\n');
  cli.child.kill('SIGINT');
  const done = await cli.done;
  const notices = fs.readFileSync(log, 'utf8').split('\n').filter((line) => line.includes('"run-interrupted"'));
  return { ...done, notices };
}

describe('a run stopped by Ctrl-C, as the terminal says it', () => {
  it('says the reason once, in the summary, and still logs the notice', async () => {
    const stopped = await stoppedAfterFirstBatch([]);
    expect(stopped.code, stopped.stderr).toBe(130);
    const reason = /error: (stopped by SIGINT to gatehouse update \(pid \d+\) after the last committed batch — resume with --resume 1)\n/.exec(stopped.stdout)?.[1];
    expect(reason, stopped.stdout).toBeDefined();
    expect(`${stopped.stdout}${stopped.stderr}`.split(reason!)).toHaveLength(2);
    expect(stopped.stderr).not.toContain('was interrupted');
    expect(stopped.notices).toHaveLength(1);
    expect(JSON.parse(stopped.notices[0]!)).toMatchObject({ body: reason });
  }, 60_000);

  it('with --json keeps the notice on stderr, the summary on stdout', async () => {
    const stopped = await stoppedAfterFirstBatch(['--json']);
    expect(stopped.code, stopped.stderr).toBe(130);
    const summary = JSON.parse(stopped.stdout) as { error: string };
    expect(stopped.stderr).toContain(`warning: run 1 was interrupted — ${summary.error}`);
    expect(stopped.notices).toHaveLength(1);
  }, 60_000);
});
