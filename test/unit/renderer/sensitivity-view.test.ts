// @vitest-environment happy-dom
import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import SensitivityView from '../../../renderer/src/views/SensitivityView.vue';
import type { SensitivityVersionView } from '../../../shared/api-sensitivity.js';
import type { SensitivitySettings } from '../../../shared/validation.js';
import { ApiError } from '../../../renderer/src/client/index.js';
import { fakeClient, type FakeClient } from './fake-client.js';
import { mountWith } from './mount.js';

const DEFAULTS: SensitivitySettings = { metrics: {}, minSignals: 1 };

/** A server with one task, answering the what-if from what it is sent and keeping what is saved. */
function sensitivityServer(): FakeClient {
  const versions: SensitivityVersionView[] = [];
  const inForce = () => versions[0]?.settings ?? DEFAULTS;
  const outcome = { alertedRuns: 0, alerts: 0 };
  return fakeClient({
    'sensitivity.tasks': () => [{ task: 'daily', settings: inForce(), version: versions[0] ?? null }],
    'sensitivity.history': () => versions,
    'sensitivity.whatIf': ({ task, settings }) => ({
      task,
      before: inForce(),
      after: settings,
      report: { runsJudged: 40, before: { alertedRuns: 3, alerts: 2 }, after: outcome, newlyAlerted: [], noLongerAlerted: [], trials: [{ kind: 'drop', cases: 2, caughtBefore: 2, caughtAfter: 1, notJudged: 0 }], trialCases: [] },
      trialCasesLeftOut: { runGone: 0, runGoneSessions: 0, otherTasks: 0, notJudgedCauses: { runEnded: 0, injectedNothing: 0 } },
    }),
    'sensitivity.save': ({ task, settings, reason, basedOnVersion }) => {
      // As the server refuses it: a save must start from the version in force.
      if ((versions[0]?.version ?? null) !== basedOnVersion) throw new ApiError('CONFLICT', `daily's sensitivity is now version ${versions[0]?.version}, not ${basedOnVersion ?? 'unsaved'}: someone saved meanwhile; nothing was saved`);
      versions.unshift({ id: versions.length + 1, task, version: versions.length + 1, settings, operator: 'Ada', reason, at: '2026-11-30T17:00:00.000Z' });
      return versions[0]!;
    },
  });
}

const saveButton = (wrapper: VueWrapper) => wrapper.findAll('button').find((b) => b.text() === 'Save as a new version')!;

describe('the Sensitivity panel', () => {
  let client: FakeClient;
  beforeEach(() => {
    client = sensitivityServer();
    window.location.hash = '#/sensitivity';
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('enables Save only while the what-if of exactly the settings on screen is shown, and saves those settings', async () => {
    const wrapper = mountWith(SensitivityView, client);
    await flushPromises();
    await wrapper.get('select[name=sensitivity-duration]').setValue('sigmas');
    await wrapper.get('input[name=sigmas-duration]').setValue('6.5');
    await wrapper.get('select[name=sensitivity-updated]').setValue('off');
    await wrapper.get('textarea[name=sensitivity-reason]').setValue('durations vary with the network');
    expect(saveButton(wrapper).attributes('disabled')).toBeDefined();

    await wrapper.findAll('button').find((b) => b.text() === 'Show what-if')!.trigger('click');
    await flushPromises();
    const settings = { metrics: { updated: 'off', duration: 6.5 }, minSignals: 1 };
    expect(client.callsOf('sensitivity.whatIf')).toEqual([{ task: 'daily', settings }]);
    expect(wrapper.get('[data-testid=what-if-trials] tr[data-kind=drop]').text()).toBe('drop2210');
    expect(saveButton(wrapper).attributes('disabled')).toBeUndefined();

    // Another change hides the what-if until it is asked for again.
    await wrapper.get('input[name=min-signals]').setValue('2');
    expect(wrapper.find('[data-testid=what-if]').exists()).toBe(false);
    expect(saveButton(wrapper).attributes('disabled')).toBeDefined();
    await wrapper.get('input[name=min-signals]').setValue('1');

    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(client.callsOf('sensitivity.save')).toEqual([{ task: 'daily', settings, reason: 'durations vary with the network', basedOnVersion: null }]);
    expect(wrapper.get('[data-testid=sensitivity-history] tr[data-version="1"]').text()).toContain('updated off, duration 6.5σ; any one signal alerts');
    expect(wrapper.get('[data-testid=in-force-version]').text()).toBe('version 1 in force, saved by Ada');
  });

  it('counts the what-if\'s runs and cases with thousands separators', async () => {
    const big = fakeClient({
      'sensitivity.tasks': () => [{ task: 'daily', settings: DEFAULTS, version: null }],
      'sensitivity.history': () => [],
      'sensitivity.whatIf': ({ task, settings }) => ({
        task,
        before: DEFAULTS,
        after: settings,
        report: { runsJudged: 12_400, before: { alertedRuns: 1_310, alerts: 1_020 }, after: { alertedRuns: 1_005, alerts: 998 }, newlyAlerted: [], noLongerAlerted: [], trials: [{ kind: 'drop', cases: 2_000, caughtBefore: 1_500, caughtAfter: 1_250, notJudged: 0 }], trialCases: [] },
        trialCasesLeftOut: { runGone: 0, runGoneSessions: 0, otherTasks: 0, notJudgedCauses: { runEnded: 0, injectedNothing: 0 } },
      }),
    });
    const wrapper = mountWith(SensitivityView, big);
    await flushPromises();
    await wrapper.findAll('button').find((b) => b.text() === 'Show what-if')!.trigger('click');
    await flushPromises();
    const runs = wrapper.get('[data-testid=what-if-runs]');
    expect(runs.get('caption').text()).toMatch(/^12,400 stored runs replayed/);
    expect(runs.findAll('tbody td').map((cell) => cell.text())).toEqual(['1,310', '1,020', '1,005', '998']);
    expect(wrapper.get('[data-testid=what-if-trials] tbody tr').findAll('td').map((cell) => cell.text())).toEqual(['2,000', '1,500', '1,250', '0']);
  });

  it('names every column of the what-if tables, so a screen reader reads a header for each cell', async () => {
    const wrapper = mountWith(SensitivityView, client);
    await flushPromises();
    await wrapper.get('select[name=sensitivity-updated]').setValue('off');
    await wrapper.findAll('button').find((b) => b.text() === 'Show what-if')!.trigger('click');
    await flushPromises();
    const headers = wrapper.findAll('[data-testid=what-if] thead th').map((th) => th.text());
    expect(headers).toEqual(['Settings', 'Runs alerting', 'Distinct alerts', 'Kind', 'Cases', 'In force', 'New', 'Not judged']);
  });

  it('says what was saved from a status region there before, and puts focus on it, since the Save button pressed is disabled after the save', async () => {
    const wrapper = mountWith(SensitivityView, client);
    await flushPromises();
    const note = wrapper.get('[data-testid=sensitivity-saved]');
    expect(note.attributes('role')).toBe('status');
    expect(note.text()).toBe('');
    await wrapper.get('select[name=sensitivity-updated]').setValue('off');
    await wrapper.get('textarea[name=sensitivity-reason]').setValue('updates are noise this month');
    await wrapper.findAll('button').find((b) => b.text() === 'Show what-if')!.trigger('click');
    await flushPromises();
    (saveButton(wrapper).element as HTMLButtonElement).focus();
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(note.text()).toBe('Saved version 1 for daily: updated off; any one signal alerts.');
    expect(saveButton(wrapper).attributes('disabled')).toBeDefined();
    expect(document.activeElement).toBe(note.element);
  });

  it('after a refused save (someone saved meanwhile), shows the version now in force, keeps the change, and asks for its what-if again', async () => {
    const wrapper = mountWith(SensitivityView, client);
    await flushPromises();
    // Bo saves version 1 from another window after this page read the settings.
    await client.call('sensitivity.save', { task: 'daily', settings: { metrics: { added: 'low' }, minSignals: 1 }, reason: 'Bo: fewer alarms on added', basedOnVersion: null });
    await wrapper.get('select[name=sensitivity-updated]').setValue('off');
    await wrapper.findAll('button').find((b) => b.text() === 'Show what-if')!.trigger('click');
    await flushPromises();
    await wrapper.get('textarea[name=sensitivity-reason]').setValue('updates are noise this month');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[role=alert]').text()).toContain('someone saved meanwhile');
    expect(wrapper.get('[data-testid=in-force-version]').text()).toBe('version 1 in force, saved by Ada');
    expect(wrapper.find('[data-testid=sensitivity-history] tr[data-version="1"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid=what-if]').exists()).toBe(false);
    expect(saveButton(wrapper).attributes('disabled')).toBeDefined();
    expect((wrapper.get('select[name=sensitivity-updated]').element as HTMLSelectElement).value).toBe('off');
    expect((wrapper.get('textarea[name=sensitivity-reason]').element as HTMLTextAreaElement).value).toBe('updates are noise this month');

    await wrapper.findAll('button').find((b) => b.text() === 'Show what-if')!.trigger('click');
    await flushPromises();
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(client.callsOf('sensitivity.save').slice(1)).toEqual([
      { task: 'daily', settings: { metrics: { updated: 'off' }, minSignals: 1 }, reason: 'updates are noise this month', basedOnVersion: null },
      { task: 'daily', settings: { metrics: { updated: 'off' }, minSignals: 1 }, reason: 'updates are noise this month', basedOnVersion: 1 },
    ]);
    expect(wrapper.get('[data-testid=in-force-version]').text()).toBe('version 2 in force, saved by Ada');
  });

  it('does not save without a reason, or settings equal to those in force', async () => {
    const wrapper = mountWith(SensitivityView, client);
    await flushPromises();
    await wrapper.findAll('button').find((b) => b.text() === 'Show what-if')!.trigger('click');
    await flushPromises();
    await wrapper.get('textarea[name=sensitivity-reason]').setValue('no change');
    expect(wrapper.text()).toContain('These are the settings in force.');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(client.callsOf('sensitivity.save')).toEqual([]);
  });

  it('refuses an empty, negative, fractional or too large signals count in the field\'s words, not the API\'s', async () => {
    const wrapper = mountWith(SensitivityView, client);
    await flushPromises();
    const signals = wrapper.get('input[name=min-signals]');
    for (const typed of ['', '-1', '2.5', '7']) {
      await signals.setValue(typed);
      await wrapper.findAll('button').find((b) => b.text() === 'Show what-if')!.trigger('click');
      await flushPromises();
      expect(wrapper.get('[role=alert]').text()).toBe(`Signals a run needs to alert: ${typed === '' ? 'empty; it ' : ''}must be a whole number from 1 to 4.`);
      expect(signals.attributes('aria-invalid')).toBe('true');
    }
    expect(client.callsOf('sensitivity.whatIf')).toEqual([]);
    await signals.setValue('2');
    await wrapper.findAll('button').find((b) => b.text() === 'Show what-if')!.trigger('click');
    await flushPromises();
    expect(wrapper.find('[role=alert]').exists()).toBe(false);
    expect(wrapper.find('[data-testid=what-if]').exists()).toBe(true);
  });
});

describe('the Sensitivity panel\'s versions', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  function version(task: string, id: number): SensitivityVersionView {
    return { id, task, version: id, settings: DEFAULTS, operator: 'Ada', reason: `${task} change ${id}`, at: '2026-11-30T17:00:00.000Z' };
  }

  it('reaches every saved version of a task, older pages on demand', async () => {
    const versions = Array.from({ length: 120 }, (_, i) => version('daily', 120 - i));
    const client = fakeClient({
      'sensitivity.tasks': () => [{ task: 'daily', settings: DEFAULTS, version: versions[0]! }],
      'sensitivity.history': ({ limit, after }) => versions.filter((v) => after === undefined || v.id < after).slice(0, limit),
    });
    const wrapper = mountWith(SensitivityView, client);
    await flushPromises();
    const rows = () => wrapper.findAll('[data-testid=sensitivity-history] tbody tr');
    expect(rows()).toHaveLength(50);
    while (wrapper.find('button.load-more').exists()) {
      await wrapper.get('button.load-more').trigger('click');
      await flushPromises();
    }
    expect(rows().map((row) => row.attributes('data-version'))).toEqual(versions.map((v) => String(v.version)));
  });

  it('shows the versions of the task chosen last, however late the answer for the one before arrives', async () => {
    const answers: Record<string, () => void> = {};
    const client = fakeClient({
      'sensitivity.tasks': () => [{ task: 'daily', settings: DEFAULTS, version: null }, { task: 'weekly', settings: DEFAULTS, version: null }],
      'sensitivity.history': ({ task }) => new Promise((resolve) => (answers[task!] = () => resolve([version(task!, task === 'daily' ? 1 : 2)]))),
    });
    const wrapper = mountWith(SensitivityView, client);
    await flushPromises();
    await wrapper.get('select[name=task]').setValue('weekly');
    await flushPromises();
    answers.weekly!();
    await flushPromises();
    answers.daily!();
    await flushPromises();
    expect(wrapper.get('[data-testid=sensitivity-history] tbody').text()).toContain('weekly change 2');
    expect(wrapper.get('[data-testid=sensitivity-history] tbody').text()).not.toContain('daily');
  });

  it('keeps the task chosen in the URL, so a reload opens on it and not on the first task', async () => {
    const twoTasks = () => fakeClient({
      'sensitivity.tasks': () => [{ task: 'daily', settings: DEFAULTS, version: null }, { task: 'weekly', settings: DEFAULTS, version: null }],
      'sensitivity.history': () => [],
    });
    const first = mountWith(SensitivityView, twoTasks());
    await flushPromises();
    await first.get('select[name=task]').setValue('weekly');
    await flushPromises();
    expect(window.location.hash).toBe('#/sensitivity?task=weekly');
    first.unmount();

    const reloaded = mountWith(SensitivityView, twoTasks());
    await flushPromises();
    expect((reloaded.get('select[name=task]').element as HTMLSelectElement).value).toBe('weekly');
  });
});
