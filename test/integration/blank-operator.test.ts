import { afterAll, describe, expect, it } from 'vitest';
import { rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { setFlag } from '../../main/flags/index.js';
import type { Store } from '../../main/store/index.js';
import { runTrials } from '../../main/trials/index.js';
import { testBackends } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

const pick = ({ code, stderr }: { code: number | null; stderr: string }) => ({ code, stderr });

/** Who the audit names, flag events and rollback events, oldest first. */
async function audited(store: Store): Promise<{ flags: string[]; rollbacks: string[] }> {
  const flags = await store.queries.db.selectFrom('flagEvents').select('actor').orderBy('id').execute();
  const rollbacks = await store.queries.db.selectFrom('rollbackEvents').select('operator').orderBy('id').execute();
  return { flags: flags.map((row) => row.actor), rollbacks: rollbacks.map((row) => row.operator) };
}

/**
 * Every audited change names the person who made it. `--operator ''` — a script's unset variable —
 * was recorded as whoever ran the command (the OS user, root on a server); now it is refused with
 * exit 2 and nothing written, as the console refuses a blank session name. Left out, --operator
 * still means the OS user.
 */
describe.each(testBackends())('a blank operator, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('is refused by every audited command, with nothing written; the same command with a name goes through', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      await runUpdate({ store, source: arraySource(hearingRecords(3)) });
      await setFlag(store, { flag: 'ADAPTIVE_BATCHES', value: false, scope: 'global', reason: 'setup', operator: 'setup' });
    } finally {
      await store.close();
    }
    const commands: string[][] = [
      ['flags', 'set', 'ENABLE_RECORD_ISOLATION', 'false', '--scope', 'kill', '--reason', 'stop it'],
      ['flags', 'unset', 'ADAPTIVE_BATCHES', '--reason', 'back to default'],
      ['flags', 'revert', '1', '--reason', 'undo'],
      ['rollback', '--run', '1', '--reason', 'bad feed'],
      ['restore', '--backup', 'snap-1', '--reason', 'bad day'],
      ['anomalies', 'mark', '--run', '1', '--as', 'confirmed', '--reason', 'checked'],
      ['runs', 'accept', '1', '--reason', 'checked'],
      ['rollout', 'start', '--flag', 'ENABLE_BATCH_PROCESSING=true', '--canary-task', 'nightly', '--reason', 'phase 2'],
      ['tasks', 'add', 'nightly', '--cron', '0 2 * * *', '--source', 'synthetic:seed=1,count=5'],
      ['validate', 'tune', '--task', 'nightly', '--metric', 'fetched', '--sensitivity', 'off', '--reason', 'noisy'],
    ];
    for (const command of commands) {
      for (const blank of ['', '   ']) {
        const result = runCli([...command, '--operator', blank, '--db', location]);
        expect({ command, blank, code: result.code, stderr: result.stderr }).toEqual({ command, blank, code: 2, stderr: 'gatehouse: --operator: a name is required\n' });
      }
    }
    const reopened = await backend.open(location);
    try {
      expect(await audited(reopened)).toEqual({ flags: ['setup'], rollbacks: [] });
      expect((await reopened.getRun(1))!.status).toBe('success');
    } finally {
      await reopened.close();
    }
    const named = runCli(['flags', 'set', 'ENABLE_RECORD_ISOLATION', 'false', '--scope', 'kill', '--reason', 'stop it', '--operator', ' support-sam ', '--db', location, '--json']);
    expect(named.code).toBe(0);
    expect(JSON.parse(named.stdout)).toMatchObject({ operator: 'support-sam' });
  });

  it('is refused by `gatehouse trial` as by every audited command, nothing staged; a name given is the one its session is audited under', async () => {
    const source = await backend.freshLocation();
    const staging = await backend.freshLocation();
    const store = await backend.open(source);
    try {
      await runUpdate({ store, source: arraySource(hearingRecords(3)) });
    } finally {
      await store.close();
    }
    const trial = (operator: string) => runCli(['trial', '--db', source, '--staging', staging, '--control', '1', '--operator', operator, '--json']);
    for (const blank of ['', '   ']) expect({ blank, ...pick(trial(blank)) }).toEqual({ blank, code: 2, stderr: 'gatehouse: --operator: a name is required\n' });
    const named = trial(' support-sam ');
    expect(named.code, named.stderr).toBe(0);
    // The session's audit row (backups attempts on staging) names who ran it, trimmed; the refused ones left none.
    const attempts = JSON.parse(runCli(['backups', 'attempts', '--db', staging, '--json']).stdout) as { operator: string }[];
    expect(attempts.map((attempt) => attempt.operator)).toEqual(['support-sam']);
  }, 120_000);

  it('is refused by the library calls behind them too: a rollback, a flag change and a trial session name someone or change nothing', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      const run = await runUpdate({ store, source: arraySource(hearingRecords(3)) });
      const blank = { code: 'USAGE', message: expect.stringMatching(/operator named is blank/) };
      await expect(rollback(store, { runId: run.runId, reason: 'bad feed', operator: ' ' })).rejects.toMatchObject(blank);
      await expect(setFlag(store, { flag: 'ADAPTIVE_BATCHES', value: false, scope: 'kill', reason: 'stop', operator: '' })).rejects.toMatchObject(blank);
      await expect(runTrials({ source: location, staging: await backend.freshLocation(), injections: [], controls: 1, operator: ' ' })).rejects.toMatchObject(blank);
      expect(await audited(store)).toEqual({ flags: [], rollbacks: [] });
      expect((await store.getRun(run.runId))!.status).toBe('success');
    } finally {
      await store.close();
    }
  });
});
