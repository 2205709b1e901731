import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RolloutDetail } from '../../shared/api-rollouts.js';
import { runCli } from '../helpers/cli.js';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-rollout-cli-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

function freshDb(name: string): string {
  return path.join(folder, `${name}.db`);
}

function cli(db: string, args: string[]) {
  return runCli([...args, '--db', db], { env: { GATEHOUSE_LOG_FILE: path.join(folder, 'gatehouse.log') } });
}

function addTasks(db: string, canarySource: string) {
  for (const [name, source] of [['canary-feed', canarySource], ['house-feed', 'synthetic:seed=2,count=60'], ['senate-feed', 'synthetic:seed=3,count=60']]) {
    expect(cli(db, ['tasks', 'add', name!, '--cron', '0 6 * * *', '--source', source!]).code).toBe(0);
  }
}

describe('gatehouse rollout', () => {
  it('refuses an unknown flag, an unknown task and a bad stage spec with exit 2 and a clear message', () => {
    const db = freshDb('bad-input');
    addTasks(db, 'synthetic:seed=1,count=60');
    const base = ['rollout', 'start', '--canary-task', 'canary-feed', '--reason', 'phase 2.3'];
    const unknownFlag = cli(db, [...base, '--flag', 'ENABLE_TELEPORT=true']);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain('unknown flag "ENABLE_TELEPORT"');
    const unknownTask = cli(db, ['rollout', 'start', '--flag', 'ENABLE_BATCH_PROCESSING=true', '--canary-task', 'nope', '--reason', 'x']);
    expect(unknownTask.code).toBe(2);
    expect(unknownTask.stderr).toContain('task "nope" does not exist');
    const badStages = cli(db, [...base, '--flag', 'ENABLE_BATCH_PROCESSING=true', '--stages', 'canary:48h']);
    expect(badStages.code).toBe(2);
    expect(badStages.stderr).toContain('STAGE:HOURS:MIN_RUNS');
    const badValue = cli(db, [...base, '--flag', 'BATCH_SIZE=lots']);
    expect(badValue.code).toBe(2);
    const noReason = cli(db, ['rollout', 'start', '--flag', 'ENABLE_BATCH_PROCESSING=true', '--canary-task', 'canary-feed']);
    expect(noReason.code).toBe(2);
    expect(cli(db, ['rollout', 'list', '--json']).stdout.trim()).toBe('[]');
  });

  it('shows a rollout name stored before names refused control characters with them as escapes, on one line', async () => {
    const db = freshDb('legacy-name');
    expect(cli(db, ['update', '--source', 'synthetic:seed=1,count=5']).code).toBe(0);
    expect(cli(db, ['rollout', 'start', '--flag', 'ENABLE_SNAPSHOTS=false', '--stages', 'deployed:1:1,all:1:1', '--name', 'snapshots off', '--reason', 'fewer copies']).code).toBe(0);
    const { default: Database } = await import('better-sqlite3');
    const raw = new Database(db);
    raw.prepare('UPDATE rollouts SET name = ?').run('snap\u001b[2Joff\ngatehouse: error: forged');
    raw.close();
    const status = cli(db, ['rollout', 'status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout.split('\n')[0]).toMatch(/^rollout 1 "snap\\x1b\[2Joff\\x0agatehouse: error: forged": active/);
  });

  it('promotes only from the stage the operator names: without --from, from a bad stage, or from a stage another operator already promoted, it is refused with exit 2', () => {
    const db = freshDb('promote-from');
    addTasks(db, 'synthetic:seed=1,count=60');
    expect(cli(db, ['rollout', 'start', '--flag', 'BATCH_SIZE=20', '--canary-task', 'canary-feed', '--stages', 'canary:1:1,all:1:1,monitoring:1:1', '--reason', 'smaller batches']).code).toBe(0);
    const unnamed = cli(db, ['rollout', 'promote', '1', '--reason', 'canary clean']);
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toContain('rollout promote needs --from STAGE to proceed: the stage you are promoting from (see gatehouse rollout status 1)');
    const badStage = cli(db, ['rollout', 'promote', '1', '--from', 'canery', '--reason', 'canary clean']);
    expect(badStage.code).toBe(2);
    expect(badStage.stderr).toContain('--from');
    expect(badStage.stderr).toContain('canery');
    // Two operators who both saw the canary, one command after the other: the second is refused, not promoted to monitoring.
    const first = cli(db, ['rollout', 'promote', '1', '--from', 'canary', '--reason', 'canary clean', '--operator', 'ada', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ state: 'active', stageIndex: 1 });
    const second = cli(db, ['rollout', 'promote', '1', '--from', 'canary', '--reason', 'canary clean too', '--operator', 'bob']);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/rollout 1 "BATCH_SIZE=20" is active in stage all now, not in stage canary where this decision \(proceed\) was made \(last moved: promote by ada at .*\); nothing was changed/);
    expect(second.stderr).toContain('decide again with --from all if it is still needed');
    expect(cli(db, ['rollout', 'status', '1']).stdout).toContain('active, stage all (2/3, window 1 h, min 1 run, since ');
    // Iterate and roll back widen nothing: they need no --from.
    expect(cli(db, ['rollout', 'promote', '1', '--decision', 'roll_back', '--reason', 'enough']).code).toBe(0);
  });

  it('counts in the canary report\'s headline only the checks whose guardrails all passed, not every check', () => {
    const db = freshDb('headline');
    addTasks(db, 'synthetic:seed=1,count=60');
    expect(cli(db, ['rollout', 'start', '--flag', 'BATCH_SIZE=20', '--canary-task', 'canary-feed', '--stages', 'canary:1:3,all:1:1', '--reason', 'smaller batches']).code).toBe(0);
    // Control runs only: the canary's own run is judged on per-record time, which a loaded machine can
    // breach (pausing the rollout, a headline of its own) — timing this test is not about.
    for (const task of ['house-feed', 'senate-feed']) expect(cli(db, ['tasks', 'run', task]).code).toBe(0);
    const ledger = (JSON.parse(cli(db, ['rollout', 'status', '1', '--json']).stdout) as RolloutDetail).ledger.filter((e) => e.kind === 'check');
    expect(ledger).toHaveLength(2);
    // Control runs with no canary beside them: their checks had no data, so they were not clean.
    expect(ledger.filter((e) => e.reason.startsWith('guardrails clean'))).toEqual([]);
    const report = cli(db, ['report', 'canary']);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain('canary in progress, 0 of 2 checks clean so far.');
    expect(JSON.parse(cli(db, ['report', 'canary', '--json']).stdout).headline).toContain('0 of 2 checks clean');
  }, 240_000);

  it('resumes only a paused rollout, and only through resume: a promotion of it, a second resume, or a resume of one another operator moved, is refused with exit 2 and writes nothing; so is any move of an ended one', () => {
    const db = freshDb('resume');
    addTasks(db, 'synthetic:seed=1,count=60');
    const ledger = () => (JSON.parse(cli(db, ['rollout', 'status', '1', '--json']).stdout) as RolloutDetail).ledger;
    const flagEvents = () => JSON.parse(cli(db, ['flags', 'history', '--json']).stdout).length;
    expect(cli(db, ['rollout', 'start', '--flag', 'BATCH_SIZE=20', '--canary-task', 'canary-feed', '--stages', 'canary:1:1,all:1:1', '--reason', 'smaller batches']).code).toBe(0);
    const notPaused = cli(db, ['rollout', 'resume', '1', '--reason', 'go on']);
    expect(notPaused.code).toBe(2);
    expect(notPaused.stderr).toContain('rollout 1 "BATCH_SIZE=20" is active in stage canary now, not paused in stage canary');
    // Deciding again with --from would be refused the same way: the hint says there is nothing to resume.
    expect(notPaused.stderr).toContain('hint: it is not paused, so there is nothing to resume: see gatehouse rollout status 1');
    expect(cli(db, ['rollout', 'pause', '1', '--reason', 'look at the logs']).code).toBe(0);
    // A promotion typed at a paused rollout does not resume it: that is `rollout resume`'s job.
    const [pausedEntries, pausedEvents] = [ledger().length, flagEvents()];
    const promoted = cli(db, ['rollout', 'promote', '1', '--from', 'canary', '--reason', 'canary clean']);
    expect(promoted.code).toBe(2);
    expect(promoted.stderr).toContain('rollout 1 "BATCH_SIZE=20" is paused in stage canary: a promotion does not resume it; nothing was changed');
    expect(promoted.stderr).toContain('hint: resume it first: gatehouse rollout resume 1 --from canary --reason "why"');
    expect(ledger()).toHaveLength(pausedEntries);
    expect(flagEvents()).toBe(pausedEvents);
    expect(JSON.parse(cli(db, ['rollout', 'status', '1', '--json']).stdout)).toMatchObject({ state: 'paused' });
    // Two operators who both saw it paused resume it, one after the other: the second is refused, not promoted to all.
    const first = cli(db, ['rollout', 'resume', '1', '--reason', 'logs fine', '--operator', 'ada', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ state: 'active', stageIndex: 0 });
    const [entries, events] = [ledger().length, flagEvents()];
    const second = cli(db, ['rollout', 'resume', '1', '--from', 'canary', '--reason', 'logs fine too', '--operator', 'bob']);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/rollout 1 "BATCH_SIZE=20" is active in stage canary now, not paused in stage canary where this decision \(proceed\) was made \(last moved: decision by ada at .*\); nothing was changed/);
    expect(ledger()).toHaveLength(entries);
    expect(flagEvents()).toBe(events);
    expect(cli(db, ['rollout', 'abort', '1', '--reason', 'enough']).code).toBe(0);
    for (const move of [['abort', '1'], ['resume', '1']]) {
      const refused = cli(db, ['rollout', ...move, '--reason', 'again']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('rollout 1 "BATCH_SIZE=20" is aborted: ');
      expect(refused.stderr).toContain('; nothing was changed');
    }
    expect(ledger()).toHaveLength(entries + 1);
  }, 240_000);

  it('starts a rollout, and the first canary run with a quarantine surge pauses it and reverts its flag by itself', () => {
    const db = freshDb('surge');
    addTasks(db, 'synthetic:seed=1,count=60,invalid=bad-enum:0.4');
    expect(cli(db, ['flags', 'set', 'ENABLE_BATCH_PROCESSING', 'false', '--reason', 'Phase 2.2 baseline']).code).toBe(0);
    const started = cli(db, ['rollout', 'start', '--flag', 'ENABLE_BATCH_PROCESSING=true', '--canary-task', 'canary-feed', '--stages', 'canary:1:2,all:1:1', '--reason', 'phase 2.3', '--operator', 'alice', '--json']);
    expect(started.code, started.stderr).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({ id: 1, state: 'active', applied: [{ flag: 'ENABLE_BATCH_PROCESSING', scope: 'task:canary-feed', previousJson: null }] });
    for (const task of ['house-feed', 'senate-feed', 'canary-feed']) cli(db, ['tasks', 'run', task]);
    const status = cli(db, ['rollout', 'status', '1', '--json']);
    const detail = JSON.parse(status.stdout);
    expect(detail.state).toBe('paused');
    expect(detail.ledger.at(-1)).toMatchObject({ kind: 'breach', operator: 'gatehouse-guardrail' });
    expect(detail.ledger.at(-1).reason).toContain('quarantine-rate');
    const flag = JSON.parse(cli(db, ['flags', 'get', 'ENABLE_BATCH_PROCESSING', '--scope', 'task:canary-feed', '--json']).stdout);
    expect(flag.value).toBe(false);
    const history = JSON.parse(cli(db, ['flags', 'history', 'ENABLE_BATCH_PROCESSING', '--json']).stdout);
    expect(history[0]).toMatchObject({ operator: 'gatehouse-guardrail', scope: 'task:canary-feed', oldValue: true, newValue: null });
    const text = cli(db, ['rollout', 'status']);
    expect(text.stdout).toContain('quarantine-rate  breach');
    // In the console's and the report's units, not raw rates: the quarantine rate as percentage points.
    const breach = (JSON.parse(status.stdout) as RolloutDetail).latest!.guardrails.find((g) => g.name === 'quarantine-rate')!;
    const pts = (rate: number | null) => `${(rate! * 100).toFixed(1)} pts`;
    expect(text.stdout).toMatch(new RegExp(`quarantine-rate +breach +${pts(breach.difference)} +\\[${pts(breach.low)}, ${pts(breach.high)}\\] +${pts(breach.limit)} `));
    const report = cli(db, ['report', 'canary']);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain('Canary report — rollout 1 "ENABLE_BATCH_PROCESSING=true"');
    expect(report.stdout).toContain('paused by a guardrail, flags reverted (gatehouse-guardrail');
    expect(report.stdout).toMatch(/\| quarantine-rate \|.*\| FAIL \|/);
    expect(cli(db, ['report', 'monitoring', '--rollout', '1']).code).toBe(2);
    const aborted = cli(db, ['rollout', 'abort', '1', '--reason', 'fix the source first', '--json']);
    expect(JSON.parse(aborted.stdout).state).toBe('aborted');
    expect(cli(db, ['rollout', 'pause', '1', '--reason', 'x']).code).toBe(2);
  });
});
