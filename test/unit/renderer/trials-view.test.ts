// @vitest-environment happy-dom
import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../renderer/src/client/index.js';
import TrialsView from '../../../renderer/src/views/TrialsView.vue';
import type { ApiOutput } from '../../../shared/api.js';
import type { LedgerSummaryView, TrialJobView } from '../../../shared/api-validation.js';
import { fakeClient, type Handlers } from './fake-client.js';
import { mountWith } from './mount.js';

const STAGING = '/data/gatehouse-trials.db';
const KINDS: ApiOutput<'trials.kinds'> = { kinds: [{ kind: 'spike', level: 'run', defaultMagnitude: 3, meaning: 'a run far above its usual count' }], defaultStaging: STAGING, backend: 'sqlite' };
const tally = { caught: 0, detectionRate: null, detectionInterval: null, falsePositives: 0, falsePositiveRate: 0, falsePositiveInterval: { low: 0, high: 0.79 }, notJudged: 0, notJudgedCauses: { runEnded: 0, injectedNothing: 0 } };

/** A ledger holding control runs only: rates, but no injected trial to put on the sweep's chart. */
/** A kind's tally of trials held over one run each, none caught on a later day. */
/** A trial held over one run that raised no alarm. */
const noAlarm = { firstAlertRun: null, firstAlertRunId: null, alertVerdict: null, windowRuns: 1 };
const oneRun = { scoredOnLastRunOnly: false, windowRuns: 1, firstAlarmDays: [] };
const CONTROLS_ONLY: LedgerSummaryView = { trials: 1, judgedWith: [{ task: null, sensitivityVersion: null }], injected: 0, controls: 1, ...tally, byKind: [{ kind: 'control', level: 'control', task: null, sensitivityVersion: null, trials: 1, caught: 0, rate: 0, interval: { low: 0, high: 0.79 }, notJudged: 0, notJudgedReasons: [], ...oneRun }], byMagnitude: [], scoredOnLastRunOnly: 0 };
const WITH_SPIKES: LedgerSummaryView = {
  ...CONTROLS_ONLY,
  trials: 3,
  injected: 2,
  caught: 1,
  detectionRate: 0.5,
  byMagnitude: [1.5, 3].map((magnitude, i) => ({ kind: 'spike', level: 'run' as const, magnitude, task: null, sensitivityVersion: null, injected: 1, caught: i, detectionRate: i, detectionInterval: { low: 0, high: 1 }, controls: 1, falsePositives: 0, falsePositiveRate: 0, falsePositiveInterval: { low: 0, high: 0.79 }, notJudged: 0, scoredOnLastRunOnly: false })),
};

function job(status: TrialJobView['status']): TrialJobView {
  return { jobId: 'job-1', startedBy: 'Ada', status, staging: STAGING, phase: status === 'running' ? 'trials' : 'finished', done: status === 'running' ? 1 : 2, total: 2, startedAt: '2026-11-30T10:00:00.000Z', finishedAt: status === 'running' ? null : '2026-11-30T10:01:00.000Z', error: null, historyNote: null, task: null, sensitivityVersion: null, trials: [], summary: null, ledger: null, settledSessions: [], copiedRunning: [] };
}

describe('the Trials page', () => {
  let wrapper: VueWrapper | undefined;
  afterEach(() => wrapper?.unmount());

  async function open(summary: LedgerSummaryView | null, handlers: Handlers = {}): Promise<VueWrapper> {
    const client = fakeClient({
      'trials.kinds': () => KINDS,
      'trials.summary': () => {
        if (summary === null) throw new ApiError('SOURCE_UNREADABLE', 'the staging ledger cannot be read');
        return { ...summary, staging: STAGING };
      },
      'trials.list': () => ({ staging: STAGING, trials: [] }),
      'trials.job': () => null,
      'sensitivity.tasks': () => [],
      ...handlers,
    });
    wrapper = mountWith(TrialsView, client);
    await flushPromises();
    return wrapper;
  }

  it('gives each kind\'s meaning to keyboard and screen-reader users too, not only as a mouse hover title', async () => {
    const page = await open(CONTROLS_ONLY);
    const option = page.get('.kind-option');
    expect(option.attributes('title')).toBeUndefined();
    for (const field of ['input[name=kind-spike]', 'input[name=magnitude-spike]']) {
      const described = option.get(field).attributes('aria-describedby')!;
      expect(page.get(`#${described}`).text()).toBe('a run far above its usual count');
    }
    expect(option.get('input[name=magnitude-spike]').attributes('aria-label')).toBe('spike magnitude');
    expect(page.text()).toContain('Hover or tab to a kind for what its magnitude means.');
  });

  it('on PostgreSQL offers the default staging schema as the name to type, not its label "schema …" (which the server refuses)', async () => {
    const page = await open(CONTROLS_ONLY, { 'trials.kinds': () => ({ ...KINDS, defaultStaging: 'schema team_staging', backend: 'postgres' }) });
    expect(page.get('input[name=staging]').attributes('placeholder')).toBe('team_staging');
    expect(page.text()).toContain('Staging target (schema name)');
  });

  it('says why there is no detection-against-magnitude chart when the ledger holds no injected trial, instead of an empty heading', async () => {
    const page = await open(CONTROLS_ONLY);
    expect(page.find('[data-testid="ledger-mixed-settings"]').exists()).toBe(false);
    expect(page.find('[data-testid="ledger-false-positives"]').text()).toBe('0.0 %');
    expect(page.find('[data-testid="detection-sweep"]').exists()).toBe(false);
    expect(page.find('[data-testid="no-sweep"]').text()).toMatch(/^Nothing to plot yet: no injected trial in this ledger has a magnitude/);
  });

  it('reads sensibly when the ledger holds control runs only, or injected trials only: no "no data (n = 0) injected caught"', async () => {
    const page = await open(CONTROLS_ONLY);
    const label = (testId: string) => wrapper!.get(`[data-testid="${testId}"]`).element.parentElement!.querySelector('.card-label')!.textContent;
    expect(page.get('[data-testid="ledger-detection"]').text()).toBe('—');
    expect(label('ledger-detection')).toBe('detection: no anomaly injected yet (n = 0) — run a trial that injects one');
    expect(label('ledger-false-positives')).toBe('false positives: 0.0 % (0 of 1 clean run flagged; 95 % CI 0.0–79.0 %)');
    wrapper!.unmount();

    const injectedOnly = await open({ ...WITH_SPIKES, detectionInterval: { low: 0.0945, high: 0.9055 }, controls: 0, falsePositiveRate: null, falsePositiveInterval: null });
    expect(injectedOnly.get('[data-testid="ledger-false-positives"]').text()).toBe('—');
    expect(label('ledger-detection')).toBe('detection: 50.0 % (1 of 2 injected anomalies caught by an alarm of its own kind; 95 % CI 9.4–90.5 %)');
    expect(label('ledger-false-positives')).toBe('false positives: no control run yet (n = 0) — run a trial with control runs');
  });

  it('draws the sweep, and no empty-state note, once injected trials have magnitudes', async () => {
    const page = await open(WITH_SPIKES);
    expect(page.findAll('[data-sweep]').map((row) => row.attributes('data-sweep'))).toEqual(['spike:1.5', 'spike:3']);
    expect(page.find('[data-testid="no-sweep"]').exists()).toBe(false);
  });

  it('gives the detection rate per kind as a number, not a one-dot chart, when each kind was tried at one magnitude', async () => {
    const at = (kind: string, magnitude: number, caught: number) => ({ ...WITH_SPIKES.byMagnitude[0]!, kind, magnitude, injected: 2, caught, detectionRate: caught / 2, detectionInterval: null });
    const page = await open({ ...WITH_SPIKES, byMagnitude: [at('spike', 4, 1), at('drop', 0.1, 2)] });
    expect(page.get('[data-testid="sweep-single"]').findAll('li').map((li) => li.text())).toEqual([
      'spike at magnitude 4: 50.0 % (1 of 2 injected anomalies caught)',
      'drop at magnitude 0.1: 100.0 % (2 of 2 injected anomalies caught)',
      'One magnitude per kind, so no curve to draw: tick "Sweep" for a ladder of magnitudes.',
    ]);
    expect(page.get('[data-testid="sweep-chart"]').isVisible()).toBe(false);
    // The table beside it names what its two rates count, as the Trials cards do.
    expect(page.get('[data-sweep="spike:4"]').findAll('td').slice(2).map((td) => td.text())).toEqual(['50.0 % (1 of 2 injected anomalies caught)', '0.0 % (0 of 1 clean run flagged; 95 % CI 0.0–79.0 %)']);
  });

  it('draws the chart, and no single-magnitude note, once a kind has two magnitudes', async () => {
    const page = await open(WITH_SPIKES);
    expect(page.get('[data-testid="sweep-chart"]').isVisible()).toBe(true);
    expect(page.find('[data-testid="sweep-single"]').exists()).toBe(false);
  });

  it('names the ledger only when it knows it: no empty brackets when the kinds and the ledger cannot be read', async () => {
    const page = await open(null, { 'trials.kinds': () => { throw new ApiError('INTERNAL', 'the trial kinds cannot be listed'); } });
    const heading = page.findAll('h2').find((h) => h.text().startsWith('Ledger so far'))!;
    expect(heading.text()).toBe('Ledger so far');
    expect(page.text()).toContain('the staging ledger cannot be read');
  });

  it('does not claim a trial still runs after its progress could not be read, and checks again on request', async () => {
    const answers: (() => TrialJobView)[] = [
      () => job('running'),
      () => { throw new ApiError('INTERNAL', 'the console lost its connection'); },
      () => job('done'),
    ];
    const page = await open(CONTROLS_ONLY, { 'trials.job': () => answers.shift()!() });
    const panel = () => page.find('[data-testid="trial-job"]');
    // The running job is polled again on its own; the second answer fails.
    await expect.poll(() => panel().find('[role="alert"]').exists()).toBe(true);
    expect(panel().find('h2').text()).toBe('Trial status unknown');
    expect(panel().find('[role="alert"]').text()).toContain('Could not read the trial\'s progress: the console lost its connection');

    await panel().find('[data-testid="poll-again"]').trigger('click');
    await flushPromises();
    expect(panel().find('h2').text()).toBe('Latest trial');
    expect(panel().find('[role="alert"]').exists()).toBe(false);
    expect(answers).toHaveLength(0);
  });

  it('sums up a trial of control runs only without "detection no data (n = 0)"', async () => {
    const page = await open(CONTROLS_ONLY, { 'trials.job': () => ({ ...job('done'), summary: CONTROLS_ONLY }) });
    expect(page.get('[data-testid="job-summary"]').text()).toBe('This trial: no anomaly injected (control runs only); false positives 0.0 % (0 of 1 clean run flagged; 95 % CI 0.0–79.0 %); judged with the default sensitivity, no task.');
  });

  it('says, after a trial, which earlier session its copy settled and which source runs it ended interrupted, in the words `gatehouse trial` prints', async () => {
    const settled = { startedAt: '2026-11-30T09:00:00.000Z', operation: 'a trial session (2 trials)', operator: 'Bo', trialsFinished: 1 };
    const page = await open(CONTROLS_ONLY, { 'trials.job': () => ({ ...job('done'), summary: CONTROLS_ONLY, settledSessions: [settled], copiedRunning: [7, 9] }) });
    expect(page.findAll('[data-testid="trial-settled-session"]').map((p) => p.text())).toEqual([
      'Note: an earlier session on this staging target (a trial session (2 trials), started 2026-11-30T09:00:00.000Z by Bo) stopped without an outcome (killed or crashed): settled as unfinished (gatehouse backups attempts --db STAGING); the 1 trial it finished is in the ledger, the staging run it was writing went with its copy.',
    ]);
    expect(page.findAll('[data-testid="trial-copied-running"]').map((p) => p.text())).toEqual([7, 9].map((runId) => `Note: run ${runId} was still running on the source when it was copied (or stopped there, not yet settled): staging holds the batches it had committed then and shows it interrupted; it goes on (or resumes) on the source.`));
  });

  it('reads the ledger and the report of the staging the latest trial ran on when the page is opened again, not the default one', async () => {
    const custom = '/data/a-very-long-staging-folder-name-for-the-quarterly-detection-review/trials-q4.db';
    const client = fakeClient({
      'trials.kinds': () => KINDS,
      'trials.summary': (input) => ({ ...CONTROLS_ONLY, staging: input.staging ?? STAGING }),
      'trials.list': (input) => ({ staging: input.staging ?? STAGING, trials: [] }),
      'trials.job': () => ({ ...job('done'), staging: custom, summary: CONTROLS_ONLY }),
      'sensitivity.tasks': () => [],
    });
    wrapper = mountWith(TrialsView, client);
    await flushPromises();
    expect(client.callsOf('trials.summary')).toEqual([{ staging: custom }]);
    expect(client.callsOf('trials.list')).toEqual([{ staging: custom, limit: 50 }]);
    expect(wrapper.get('[data-testid="trial-job"]').text()).toContain(`staging ${custom}`);
    expect(wrapper.findAll('h2').map((h) => h.text())).toContain(`Ledger so far (${custom})`);
  });

  it('tells a screen reader each trial done and then the result, from a region there before the trial started', async () => {
    const answers: (() => TrialJobView | null)[] = [() => null, () => job('running'), () => ({ ...job('done'), summary: CONTROLS_ONLY })];
    const page = await open(CONTROLS_ONLY, { 'trials.job': () => answers.shift()!(), 'trials.run': () => job('running') });
    const news = page.get('[data-testid="trial-news"]');
    expect(news.attributes('role')).toBe('status');
    expect(news.text()).toBe('');
    expect(page.find('[data-testid="trial-job"]').exists()).toBe(false);

    await page.get('input[name=controls]').setValue(1);
    await page.get('form').trigger('submit');
    await expect.poll(() => news.text()).toBe(`Trial running on ${STAGING}: 1 of 2 trials done.`);
    expect(page.get('[data-testid="trial-job"]').attributes('aria-live')).toBeUndefined();
    await expect.poll(() => news.text()).toBe(`Trial finished on ${STAGING}. This trial: no anomaly injected (control runs only); false positives 0.0 % (0 of 1 clean run flagged; 95 % CI 0.0–79.0 %); judged with the default sensitivity, no task.`);
  });

  it('shows and tells once, while the trials still run, a source run its copy ended interrupted, in the words `gatehouse trial` notes it', async () => {
    const copied = { ...job('running'), copiedRunning: [7] };
    const answers: (() => TrialJobView | null)[] = [() => null, () => ({ ...copied, done: 0 }), () => copied, () => ({ ...copied, status: 'done', summary: CONTROLS_ONLY })];
    const page = await open(CONTROLS_ONLY, { 'trials.job': () => answers.shift()!(), 'trials.run': () => ({ ...job('running'), phase: 'copying', done: 0 }) });
    const news = page.get('[data-testid="trial-news"]');
    await page.get('input[name=controls]').setValue(1);
    await page.get('form').trigger('submit');
    const note = 'Note: run 7 was still running on the source when it was copied (or stopped there, not yet settled): staging holds the batches it had committed then and shows it interrupted; it goes on (or resumes) on the source.';
    await expect.poll(() => news.text()).toBe(`Trial running on ${STAGING}: 0 of 2 trials done. ${note}`);
    expect(page.get('[data-testid="trial-copied-running"]').text()).toBe(note);
    await expect.poll(() => news.text()).toBe(`Trial running on ${STAGING}: 1 of 2 trials done.`);
    await expect.poll(() => news.text()).toMatch(/^Trial finished on .*judged with the default sensitivity, no task\.$/);
    expect(page.get('[data-testid="trial-copied-running"]').text()).toBe(note);
  });

  it('says a trial the console\'s shutdown stopped was stopped, not failed, with how far it got', async () => {
    const message = 'trial session stopped as gatehouse serve (pid 7) shut down on SIGTERM after 1 of 2 trials; the other 1 did not start';
    const page = await open(CONTROLS_ONLY, { 'trials.job': () => ({ ...job('stopped'), error: { code: 'INTERRUPTED', message } }) });
    expect(page.get('#trial-job-title').text()).toBe('Trial stopped');
    expect(page.get('[data-testid="trial-news"]').text()).toBe(`Trial stopped: ${message}.`);
  });

  const QUIET_V2 = {
    task: 'quiet',
    settings: { metrics: { fetched: 'off' as const }, minSignals: 1 },
    version: { id: 7, task: 'quiet', version: 2, settings: { metrics: { fetched: 'off' as const }, minSignals: 1 }, operator: 'Ada', reason: 'migration week', at: '2026-11-29T09:00:00.000Z' },
  };
  const LOUD = { task: 'loud', settings: { metrics: {}, minSignals: 1 }, version: null };

  function trialsClient(handlers: Handlers) {
    return fakeClient({
      'trials.kinds': () => KINDS,
      'trials.summary': () => ({ ...CONTROLS_ONLY, staging: STAGING }),
      'trials.list': () => ({ staging: STAGING, trials: [] }),
      'trials.job': () => null,
      'trials.run': () => job('running'),
      ...handlers,
    });
  }

  it('reads the rates, the list and the report of the trials judged as the task chosen in the ledger filter, as `report trial --task` does', async () => {
    const client = trialsClient({ 'sensitivity.tasks': () => [LOUD, QUIET_V2], 'reports.trial': (input) => ({ format: input.format, headline: 'h', text: 't', savedTo: null }) });
    wrapper = mountWith(TrialsView, client);
    await flushPromises();
    const filter = wrapper.get('form[aria-label="Ledger filter"]');
    expect(filter.get('select[name=ledger-task]').findAll('option').map((o) => o.text())).toEqual(['Any task, or none', 'task loud', 'task quiet']);
    await filter.get('select[name=ledger-task]').setValue('quiet');
    await filter.trigger('submit');
    await flushPromises();
    expect(client.callsOf('trials.summary').at(-1)).toEqual({ staging: null, task: 'quiet' });
    expect(client.callsOf('trials.list').at(-1)).toEqual({ staging: null, limit: 50, task: 'quiet' });
    expect(wrapper.get('[data-testid="ledger-period"]').text()).toBe('Every trial judged as task quiet: the rates, the list and the report below.');
    await wrapper.get('[data-testid="trial-report"] form').trigger('submit');
    await flushPromises();
    expect(client.callsOf('reports.trial')).toEqual([{ staging: null, task: 'quiet', format: 'md' }]);
    // Each read took the task as the server does: none was refused.
    expect(client.calls.filter((call) => call.refused).map((call) => call.refused)).toEqual([]);
  });

  it("offers every task with its sensitivity version and sends the chosen one as the trial's task; no choice sends none (the default sensitivity)", async () => {
    const client = trialsClient({ 'sensitivity.tasks': () => [LOUD, QUIET_V2] });
    wrapper = mountWith(TrialsView, client);
    await flushPromises();
    const select = wrapper.get('select[name=task]');
    expect(select.findAll('option').map((o) => [o.attributes('value'), o.text()])).toEqual([
      ['', 'No task — the default sensitivity'],
      ['loud', 'loud — default sensitivity (no version saved)'],
      ['quiet', 'quiet — sensitivity version 2'],
    ]);
    await wrapper.get('input[name=kind-spike]').setValue(true);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    await select.setValue('quiet');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(client.callsOf('trials.run').map((input) => (input as { task: unknown }).task)).toEqual([null, 'quiet']);
    expect(client.callsOf('trials.run')[1]).toEqual({ injections: [{ kind: 'spike', magnitude: 3 }], controls: 1, seedHistoryDays: 0, sweep: false, repeat: 1, staging: null, task: 'quiet' });
  });

  it('still runs trials with the default sensitivity when the tasks cannot be listed, and says why none is offered', async () => {
    const client = trialsClient({ 'sensitivity.tasks': () => { throw new ApiError('SOURCE_UNREADABLE', 'the database cannot be read'); } });
    wrapper = mountWith(TrialsView, client);
    await flushPromises();
    expect(wrapper.get('[data-testid="trial-tasks-error"]').text()).toContain('the database cannot be read');
    expect(wrapper.get('select[name=task]').findAll('option')).toHaveLength(1);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(client.callsOf('trials.run')).toMatchObject([{ task: null, controls: 1 }]);
  });

  it('offers Try again when the tasks cannot be listed, in the form and in the ledger filter, and fills both once they can', async () => {
    let listed: () => (typeof QUIET_V2)[] = () => { throw new ApiError('SOURCE_UNREADABLE', 'the database cannot be read'); };
    wrapper = mountWith(TrialsView, trialsClient({ 'sensitivity.tasks': () => listed() }));
    await flushPromises();
    expect(wrapper.get('[data-testid="trial-tasks-error"]').text()).toMatch(/^The tasks could not be listed, so only the default sensitivity is offered: the database cannot be read/);
    expect(wrapper.get('[data-testid="ledger-tasks-error"]').text()).toMatch(/^The tasks could not be listed, so none is offered to filter by: the database cannot be read/);
    listed = () => [QUIET_V2];
    await wrapper.get('[data-testid="trial-tasks-error"] button').trigger('click');
    await wrapper.get('[data-testid="ledger-tasks-error"] button').trigger('click');
    await flushPromises();
    expect(wrapper.find('[data-testid="trial-tasks-error"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="ledger-tasks-error"]').exists()).toBe(false);
    expect(wrapper.get('select[name=task]').findAll('option')).toHaveLength(2);
    expect(wrapper.get('select[name=ledger-task]').findAll('option')).toHaveLength(2);
  });

  it('writes the per-kind counts and a background job\'s progress with thousands separators', async () => {
    const big = { kind: 'control', level: 'control' as const, task: null, sensitivityVersion: null, trials: 12_000, caught: 1_500, rate: 0.125, interval: null, notJudged: 2_000, notJudgedReasons: ['interrupted'], ...oneRun };
    const page = await open({ ...CONTROLS_ONLY, byKind: [big] }, { 'trials.job': () => ({ ...job('running'), done: 1_200, total: 2_000 }) });
    const cells = page.get('[data-testid="ledger-by-kind"]').findAll('tbody td').map((td) => td.text());
    expect([cells[2], cells[3], cells[5]]).toEqual(['12,000', '1,500', '2,000: interrupted']);
    expect(page.get('[data-testid="trial-job"] .progress span').text()).toContain('1,200 of 2,000 trials done');
    expect(page.get('[data-testid="trial-job"] progress').attributes('aria-label')).toBe('1,200 of 2,000 trials done');
  });

  it('says which task and sensitivity version judged the latest trial and each trial of the ledger', async () => {
    const trial = { label: 'spike:3', kind: 'spike', level: 'run' as const, magnitude: 3, runId: 41, caught: false, caughtBy: [], verdict: 'ok', detail: null, notJudged: null, ...noAlarm };
    const client = trialsClient({
      'sensitivity.tasks': () => [QUIET_V2],
      'trials.job': () => ({ ...job('done'), task: 'quiet', sensitivityVersion: 2, summary: CONTROLS_ONLY }),
      'trials.list': () => ({
        staging: STAGING,
        trials: [
          { ...trial, id: 2, session: 's2', at: '2026-11-30T10:01:00.000Z', source: 'a.db', task: 'quiet', sensitivityVersion: 2 },
          { ...trial, id: 1, session: 's1', at: '2026-11-30T09:01:00.000Z', source: 'a.db', caught: true, caughtBy: ['validator:volume'], task: null, sensitivityVersion: null },
        ],
      }),
    });
    wrapper = mountWith(TrialsView, client);
    await flushPromises();
    expect(wrapper.get('[data-testid="trial-job"]').text()).toContain('judged with task quiet, sensitivity version 2');
    expect(wrapper.get('[data-testid="job-summary"]').text()).toMatch(/judged with task quiet, sensitivity version 2\.$/);
    const rows = wrapper.get('[data-testid="ledger-trials"]').findAll('tbody tr').map((row) => row.findAll('td').map((td) => td.text()).slice(1, 4));
    expect(rows).toEqual([
      ['spike:3', 'task quiet, sensitivity version 2', 'MISSED'],
      ['spike:3', 'the default sensitivity, no task', 'caught'],
    ]);
  });

  it('keeps a kind judged as a task apart from the same kind judged with the defaults, in the per-kind table and the sweep', async () => {
    const quiet = { task: 'quiet', sensitivityVersion: 2 };
    const row = (magnitude: number, caught: number, settings: { task: string | null; sensitivityVersion: number | null }) => ({ ...WITH_SPIKES.byMagnitude[0]!, ...settings, magnitude, caught, detectionRate: caught });
    const page = await open({
      ...WITH_SPIKES,
      byKind: [
        { kind: 'spike', level: 'run', task: null, sensitivityVersion: null, trials: 2, caught: 1, rate: 0.5, interval: null, notJudged: 0, notJudgedReasons: [], ...oneRun },
        { kind: 'spike', level: 'run', ...quiet, trials: 1, caught: 0, rate: 0, interval: null, notJudged: 0, notJudgedReasons: [], ...oneRun },
      ],
      byMagnitude: [row(3, 1, { task: null, sensitivityVersion: null }), row(3, 0, quiet)],
      judgedWith: [{ task: null, sensitivityVersion: null }, quiet],
    });
    expect(page.get('[data-testid="ledger-mixed-settings"]').text()).toBe(
      'Judged more than one way: these rates add up trials judged with 2 settings (the default sensitivity, no task; task quiet, sensitivity version 2); the per-kind rows keep them apart.',
    );
    const byKind = page.get('[data-testid="ledger-by-kind"]').findAll('tbody tr').map((tr) => tr.findAll('td').map((td) => td.text()));
    expect(byKind.map((cells) => [cells[0], cells[2], cells[3], cells[4], cells.at(-1)])).toEqual([
      ['spike', '2', '1', '50.0 % (1 of 2 injected anomalies caught)', 'the default sensitivity, no task'],
      ['spike', '1', '0', '0.0 % (0 of 1 injected anomaly caught)', 'task quiet, sensitivity version 2'],
    ]);
    expect(page.get('[data-testid="sweep-single"]').findAll('li').map((li) => li.text()).slice(0, 2)).toEqual([
      'spike (the default sensitivity, no task) at magnitude 3: 100.0 % (1 of 1 injected anomaly caught; 95 % CI 0.0–100.0 %)',
      'spike (task quiet, sensitivity version 2) at magnitude 3: 0.0 % (0 of 1 injected anomaly caught; 95 % CI 0.0–100.0 %)',
    ]);
  });

  it('shows a trial whose run ended before a verdict as not judged, with its reason, never as MISSED', async () => {
    const why = 'not judged: run 37 interrupted — the database environment failed: no space left on device';
    const spike = { label: 'spike:5', kind: 'spike', level: 'run' as const, magnitude: 5, runId: 37, caught: false, caughtBy: [], verdict: 'not judged', detail: why, notJudged: why, task: null, sensitivityVersion: null, ...noAlarm };
    const page = await open(
      { ...CONTROLS_ONLY, trials: 2, notJudged: 1, notJudgedCauses: { runEnded: 1, injectedNothing: 0 }, byKind: [...CONTROLS_ONLY.byKind, { kind: 'spike', level: 'run', task: null, sensitivityVersion: null, trials: 0, caught: 0, rate: null, interval: null, notJudged: 1, notJudgedReasons: [why], ...oneRun }] },
      { 'trials.list': () => ({ staging: STAGING, trials: [{ ...spike, id: 1, session: 's1', at: '2026-11-30T10:01:00.000Z', source: 'a.db' }] }) },
    );
    expect(page.get('[data-testid="ledger-not-judged"]').text()).toBe('1 trial not judged (run interrupted or failed before a verdict): it counts in neither rate. The reasons are in the table below.');
    const byKind = page.get('[data-testid="ledger-by-kind"]').findAll('tbody tr').map((tr) => tr.findAll('td').map((td) => td.text()));
    expect(byKind.map((cells) => [cells[0], cells[2], cells[4], cells[5]])).toEqual([['control', '1', expect.stringContaining('of 1 clean run flagged'), '—'], ['spike', '0', 'no data (n = 0)', `1: ${why}`]]);
    const row = page.get('[data-testid="ledger-trials"]').findAll('tbody tr').map((tr) => tr.findAll('td').map((td) => td.text()))[0]!;
    expect([row[1], row[3], row[5]]).toEqual(['spike:5', 'not judged', 'not judged']);
  });

  it('says why the ledger\'s trials were not judged, grouped by cause: an injection that changed nothing made no run, and no run ended before a verdict', async () => {
    const nothing = 'not judged: mix-shift:1 injected nothing — a clean run on staging brings 20 records (20 new, 0 updated, 0 unchanged, 0 quarantined), and the injection leaves it as it is; no run was made';
    const mixShift = { kind: 'mix-shift', level: 'run' as const, task: null, sensitivityVersion: null, trials: 0, caught: 0, rate: null, interval: null, notJudged: 2, notJudgedReasons: [nothing], ...oneRun };
    const onlyNothing = await open({ ...CONTROLS_ONLY, trials: 3, notJudged: 2, notJudgedCauses: { runEnded: 0, injectedNothing: 2 }, byKind: [...CONTROLS_ONLY.byKind, mixShift] });
    expect(onlyNothing.get('[data-testid="ledger-not-judged"]').text()).toBe('2 trials not judged (injection changed nothing, so no run was made): they count in neither rate. The reasons are in the table below.');
    const both = await open({ ...CONTROLS_ONLY, trials: 4, notJudged: 3, notJudgedCauses: { runEnded: 1, injectedNothing: 2 }, byKind: [...CONTROLS_ONLY.byKind, mixShift] });
    expect(both.get('[data-testid="ledger-not-judged"]').text()).toBe('3 trials not judged (1 run interrupted or failed before a verdict and 2 injections changed nothing, so no run was made): they count in neither rate. The reasons are in the table below.');
  });

  it('shows beside a caught level shift the verdict of the run that first alarmed, its day and run, and a shift scored by the older rule as such', async () => {
    const shift = { id: 2, session: 's', at: '2026-11-30T10:00:00.000Z', source: 'src.db', label: 'level-shift:0.4', kind: 'level-shift', level: 'run' as const, magnitude: 0.4, runId: 51, caught: true, caughtBy: ['validator:below-seasonal-range'], verdict: 'ok', detail: null, notJudged: null, task: null, sensitivityVersion: null, firstAlertRun: 1, firstAlertRunId: 47, alertVerdict: 'anomalous', windowRuns: 5 };
    const legacy = { ...shift, id: 1, runId: 20, caught: false, caughtBy: [], firstAlertRun: null, firstAlertRunId: null, alertVerdict: null, windowRuns: null };
    const shiftKind = { kind: 'level-shift', level: 'run' as const, task: null, sensitivityVersion: null, trials: 1, caught: 1, rate: 1, interval: null, notJudged: 0, notJudgedReasons: [], scoredOnLastRunOnly: false, windowRuns: 5, firstAlarmDays: [{ day: 1, trials: 1 }] };
    const legacyKind = { ...shiftKind, caught: 0, rate: 0, scoredOnLastRunOnly: true, windowRuns: null, firstAlarmDays: [] };
    const page = await open({ ...CONTROLS_ONLY, byKind: [...CONTROLS_ONLY.byKind, shiftKind, legacyKind] }, { 'trials.list': () => ({ staging: STAGING, trials: [shift, legacy] }) });
    expect(page.findAll('[data-testid="ledger-trials"] [data-testid="trial-verdict"]').map((cell) => cell.text())).toEqual([
      'anomalous on day 1 of 5 (run 47); last run ok',
      'last run ok (scored on its last run only, as recorded before window scoring)',
    ]);
    const kinds = page.get('[data-testid="ledger-by-kind"]').findAll('tbody tr').map((tr) => tr.findAll('td')[0]!.text());
    expect(kinds).toEqual(['control', 'level-shiftfirst alarm day 1: 1 of 5', 'level-shift (scored on its last run only, as recorded before window scoring)']);
  });

  it('shows no list of the old period under a since the server refused, and offers no "Try again" that would only repeat the refusal', async () => {
    const refused = (input: { since?: string }) => {
      if (input.since === '2999-01-01') throw new ApiError('USAGE', 'since: "2999-01-01" is after now');
    };
    const trial = { id: 1, session: 's', at: '2026-11-30T10:00:00.000Z', source: 'src.db', label: 'control', kind: 'control', level: 'control' as const, magnitude: null, runId: 3, caught: false, caughtBy: [], verdict: 'normal', detail: null, notJudged: null, task: null, sensitivityVersion: null, ...noAlarm };
    const page = await open(CONTROLS_ONLY, {
      'trials.summary': (input) => (refused(input), { ...CONTROLS_ONLY, staging: STAGING }),
      'trials.list': (input) => (refused(input), { staging: STAGING, trials: [trial] }),
    });
    expect(page.findAll('[data-testid="ledger-trials"] tbody tr')).toHaveLength(1);

    await page.get('input[name=ledger-since]').setValue('2999-01-01');
    await page.get('form[aria-label="Ledger filter"]').trigger('submit');
    await flushPromises();
    expect(page.find('[data-testid="ledger-trials"]').exists()).toBe(false);
    expect(page.findAll('[role="alert"]').map((alert) => alert.text())).toEqual(['since: "2999-01-01" is after now', 'since: "2999-01-01" is after now']);
    expect(page.findAll('button').filter((b) => b.text() === 'Try again')).toEqual([]);
    expect(page.get('[data-testid="ledger-period"]').text()).toBe('That filter was refused: no rates or trials are shown for it.');
  });
});
