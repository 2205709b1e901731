// @vitest-environment happy-dom
import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { Component } from 'vue';
import { ApiError } from '../../../renderer/src/client/index.js';
import QuarantinePages from '../../../renderer/src/components/QuarantinePages.vue';
import RollbackPanel from '../../../renderer/src/components/RollbackPanel.vue';
import TaskHistory from '../../../renderer/src/components/TaskHistory.vue';
import SensitivityView from '../../../renderer/src/views/SensitivityView.vue';
import TrialsView from '../../../renderer/src/views/TrialsView.vue';
import type { ApiMethod } from '../../../shared/api.js';
import { fakeClient, type Handlers } from './fake-client.js';
import { mountWith } from './mount.js';

const STAGING = '/data/gatehouse-trials.db';
const NO_TRIALS = { trials: 0, judgedWith: [], injected: 0, controls: 0, caught: 0, detectionRate: null, detectionInterval: null, falsePositives: 0, falsePositiveRate: null, falsePositiveInterval: null, notJudged: 0, byKind: [], byMagnitude: [], notJudgedCauses: { runEnded: 0, injectedNothing: 0 }, scoredOnLastRunOnly: 0 };
const TRIALS_PAGE: Handlers = {
  'trials.kinds': () => ({ kinds: [], defaultStaging: STAGING, backend: 'sqlite' }),
  'trials.summary': () => ({ staging: STAGING, ...NO_TRIALS }),
  'trials.list': () => ({ staging: STAGING, trials: [] }),
  'trials.job': () => null,
  'sensitivity.tasks': () => [],
};

/** Each view that reads one named thing (a task, a run, a batch, a staging ledger), and the read that names it. */
const VIEWS: { name: string; component: Component; props?: Record<string, unknown>; method: ApiMethod; others?: Handlers }[] = [
  { name: 'a task\'s history', component: TaskHistory, props: { task: 'nightly', version: 0 }, method: 'tasks.history' },
  { name: 'a run\'s rollback events', component: RollbackPanel, props: { runId: 7, batchSeq: null, running: false, refusals: [] }, method: 'rollback.events' },
  { name: 'a task\'s sensitivity versions', component: SensitivityView, method: 'sensitivity.history', others: { 'sensitivity.tasks': () => [{ task: 'daily', settings: { metrics: {}, minSignals: 1 }, version: null }] } },
  { name: 'a staging ledger\'s summary', component: TrialsView, method: 'trials.summary', others: TRIALS_PAGE },
  { name: 'a staging ledger\'s recent trials', component: TrialsView, method: 'trials.list', others: TRIALS_PAGE },
];

describe('a view reading one named thing offers "Try again" only when asking again can change the answer', () => {
  let wrapper: VueWrapper | undefined;
  afterEach(() => wrapper?.unmount());

  async function open(view: (typeof VIEWS)[number], failure: ApiError): Promise<VueWrapper> {
    wrapper = mountWith(view.component, fakeClient({ ...view.others, [view.method]: () => Promise.reject(failure) }), { props: view.props ?? {} });
    await flushPromises();
    return wrapper;
  }
  const retries = (page: VueWrapper) => page.findAll('button').filter((b) => b.text() === 'Try again');

  for (const view of VIEWS) {
    it(`${view.name}: none when it is not there (NOT_FOUND), one when the database did not answer`, async () => {
      const missing = await open(view, new ApiError('NOT_FOUND', 'it does not exist'));
      expect(missing.text()).toContain('it does not exist');
      expect(retries(missing)).toEqual([]);
      missing.unmount();
      const unreachable = await open(view, new ApiError('DB_UNREACHABLE', 'the database did not answer'));
      expect(unreachable.text()).toContain('the database did not answer');
      expect(retries(unreachable)).toHaveLength(1);
    });
  }

  it('a batch\'s quarantined records: none when the run is not there, one when the database did not answer', async () => {
    const props = { runId: 7, batchSeq: 1, emptyText: 'None.' };
    const missing = (wrapper = mountWith(QuarantinePages, fakeClient({ 'quarantine.list': () => Promise.reject(new ApiError('NOT_FOUND', 'run 7 does not exist')) }), { props }));
    await flushPromises();
    expect(missing.get('[role="alert"]').text()).toBe('run 7 does not exist');
    missing.unmount();
    const unreachable = (wrapper = mountWith(QuarantinePages, fakeClient({ 'quarantine.list': () => Promise.reject(new ApiError('DB_UNREACHABLE', 'the database did not answer')) }), { props }));
    await flushPromises();
    expect(unreachable.get('[role="alert"]').text()).toBe('the database did not answer Try again');
  });

  it('a trial job that is gone (the console restarted) is not offered "Check again"', async () => {
    const page = (wrapper = mountWith(TrialsView, fakeClient({ ...TRIALS_PAGE, 'trials.job': () => Promise.reject(new ApiError('NOT_FOUND', 'no trial job job-1')) })));
    await flushPromises();
    expect(page.get('[data-testid="trial-job"] [role="alert"]').text()).toBe('Could not read the trial\'s progress: no trial job job-1');
    expect(page.find('[data-testid="poll-again"]').exists()).toBe(false);
  });
});
