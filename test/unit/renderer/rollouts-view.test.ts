// @vitest-environment happy-dom
import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../renderer/src/client/index.js';
import RolloutsView from '../../../renderer/src/views/RolloutsView.vue';
import type { FlagView } from '../../../shared/api-operations.js';
import type { RolloutDetail } from '../../../shared/api-rollouts.js';
import { fakeClient } from './fake-client.js';
import { flagView } from './fixtures.js';
import { mountWith } from './mount.js';

describe('the Rollouts page', () => {
  let wrapper: VueWrapper | undefined;
  afterEach(() => wrapper?.unmount());

  it('says why no rollout can be started when the flags cannot be read, instead of leaving the form out silently, and offers to read them again', async () => {
    let flags: () => FlagView[] = () => {
      throw new ApiError('SOURCE_UNREADABLE', 'the flags table cannot be read');
    };
    const client = fakeClient({
      'rollouts.get': () => null,
      'rollouts.list': () => [],
      'flags.list': () => flags(),
      'tasks.list': () => [],
    });
    wrapper = mountWith(RolloutsView, client);
    await flushPromises();
    expect(wrapper.text()).toContain('No rollout has been started.');
    expect(wrapper.find('form[aria-label="Start a rollout"]').exists()).toBe(false);
    const alert = wrapper.find('[role="alert"]');
    expect(alert.text()).toContain('A rollout cannot be started until the flags and tasks are read: the flags table cannot be read');

    flags = () => [flagView()];
    await alert.find('button').trigger('click');
    await flushPromises();
    expect(wrapper.find('[role="alert"]').exists()).toBe(false);
    expect(wrapper.find('form[aria-label="Start a rollout"]').exists()).toBe(true);
  });

  it('says the earlier rollouts could not be read, rather than leaving them out as if there were none', async () => {
    let listed: () => RolloutDetail[] = () => {
      throw new ApiError('SOURCE_UNREADABLE', 'the rollouts table cannot be read');
    };
    const client = fakeClient({ 'rollouts.get': () => null, 'rollouts.list': () => listed(), 'flags.list': () => [flagView()], 'tasks.list': () => [] });
    wrapper = mountWith(RolloutsView, client);
    await flushPromises();
    expect(wrapper.get('[data-testid="rollouts-list-error"]').text()).toMatch(/^Earlier rollouts could not be read: the rollouts table cannot be read/);
    listed = () => [];
    await wrapper.get('[data-testid="rollouts-list-error"] button').trigger('click');
    await flushPromises();
    expect(wrapper.find('[data-testid="rollouts-list-error"]').exists()).toBe(false);
  });

  it('gives every time as the rest of the console does, in UTC and saying so, not as raw ISO strings', async () => {
    const evidence = { window: { since: '2026-11-29T10:00:00.000Z', until: '2026-12-01T09:30:12.345Z' }, canaryRuns: [4], controlRuns: [5, 6], guardrails: [] };
    const rollout: RolloutDetail = {
      id: 3, name: 'batching on', state: 'active', flagChanges: [{ flag: 'ENABLE_BATCH_PROCESSING', value: true }], canaryTask: 'house-feed',
      stages: [{ stage: 'canary', windowHours: 48, minRuns: 3 }, { stage: 'all', windowHours: 24, minRuns: 3 }], stageIndex: 0, stageStartedAt: '2026-11-29T10:00:00.000Z',
      timeThreshold: 0.1, autoPromote: false, applied: [], operator: 'Ada', reason: 'try it', startedAt: '2026-11-29T10:00:00.000Z', updatedAt: '2026-12-01T09:30:12.345Z',
      ledger: [
        { id: 1, rolloutId: 3, at: '2026-11-29T10:00:00.000Z', stage: 'canary', kind: 'start', decision: null, operator: 'Ada', reason: 'try it', runId: null, evidence: null },
        { id: 2, rolloutId: 3, at: '2026-12-01T09:30:12.345Z', stage: 'canary', kind: 'check', decision: null, operator: 'gatehouse', reason: 'within limits', runId: 6, evidence },
      ],
      latest: evidence,
    };
    const client = fakeClient({ 'rollouts.get': () => rollout, 'rollouts.list': () => [rollout, { ...rollout, id: 2 }], 'flags.list': () => [flagView()], 'tasks.list': () => [] });
    wrapper = mountWith(RolloutsView, client);
    await flushPromises();
    expect(wrapper.text()).not.toMatch(/\d{4}-\d\d-\d\dT/);
    expect(wrapper.get('[data-testid="stage-timeline"] li[aria-current="step"]').text()).toContain('since 2026-11-29 10:00 UTC');
    expect(wrapper.get('[data-testid="rollout-window"]').text()).toMatch(/^Window 2026-11-29 10:00 → 2026-12-01 09:30 UTC: 1 canary run, 2 control runs\.$/);
    const ledger = wrapper.get('[data-testid="rollout-ledger"]');
    expect(ledger.get('thead').text()).toContain('When (UTC)');
    expect(ledger.findAll('tbody tr').map((row) => row.find('td').text())).toEqual(['2026-12-01 09:30', '2026-11-29 10:00']);
  });

  it('sends the stage and state it showed with a decision, so a rollout another operator moved meanwhile is refused rather than promoted past them', async () => {
    const rollout: RolloutDetail = {
      id: 3, name: 'batching on', state: 'paused', flagChanges: [{ flag: 'ENABLE_BATCH_PROCESSING', value: true }], canaryTask: 'house-feed',
      stages: [{ stage: 'canary', windowHours: 48, minRuns: 3 }, { stage: 'all', windowHours: 24, minRuns: 3 }], stageIndex: 0, stageStartedAt: '2026-11-29T10:00:00.000Z',
      timeThreshold: 0.1, autoPromote: false, applied: [], operator: 'Ada', reason: 'try it', startedAt: '2026-11-29T10:00:00.000Z', updatedAt: '2026-11-29T10:00:00.000Z',
      ledger: [], latest: null,
    };
    const client = fakeClient({ 'rollouts.get': () => rollout, 'rollouts.list': () => [rollout], 'flags.list': () => [flagView()], 'tasks.list': () => [], 'rollouts.decide': () => rollout });
    wrapper = mountWith(RolloutsView, client);
    await flushPromises();
    await wrapper.get('textarea[name="decision-reason"]').setValue('canary clean');
    const proceed = wrapper.findAll('form[aria-label="Decide"] button').find((button) => button.text() === 'Proceed: resume this stage')!;
    await proceed.trigger('click');
    await flushPromises();
    expect(client.callsOf('rollouts.decide')).toEqual([{ rolloutId: 3, reason: 'canary clean', decision: 'proceed', fromStage: 'canary', fromState: 'paused' }]);
  });

  it('promotes a canary with no control only once the operator says why it goes anyway, and sends that reason for the ledger', async () => {
    const noControl = "every control task (senate-feed) now runs the canary's values (ENABLE_BATCH_PROCESSING [global] set to true by Bob at 2026-11-30T08:00:00.000Z (try it)): no control run comes while that stands";
    const latest = { window: { since: '2026-11-29T10:00:00.000Z', until: '2026-12-01T09:30:12.345Z' }, canaryRuns: [4], controlRuns: [], guardrails: [], controlOnCanary: noControl };
    const rollout: RolloutDetail = {
      id: 3, name: 'batching on', state: 'active', flagChanges: [{ flag: 'ENABLE_BATCH_PROCESSING', value: true }], canaryTask: 'house-feed',
      stages: [{ stage: 'canary', windowHours: 48, minRuns: 3 }, { stage: 'all', windowHours: 24, minRuns: 3 }], stageIndex: 0, stageStartedAt: '2026-11-29T10:00:00.000Z',
      timeThreshold: 0.1, autoPromote: false, applied: [], operator: 'Ada', reason: 'try it', startedAt: '2026-11-29T10:00:00.000Z', updatedAt: '2026-11-29T10:00:00.000Z',
      ledger: [], latest,
    };
    const client = fakeClient({ 'rollouts.get': () => rollout, 'rollouts.list': () => [rollout], 'flags.list': () => [flagView()], 'tasks.list': () => [], 'rollouts.decide': () => rollout });
    wrapper = mountWith(RolloutsView, client);
    await flushPromises();
    expect(wrapper.get('[data-testid="rollout-no-control"]').text()).toBe(`No control: ${noControl}`);
    await wrapper.get('textarea[name="decision-reason"]').setValue('canary clean');
    const proceed = () => wrapper!.findAll('form[aria-label="Decide"] button').find((button) => button.text() === 'Proceed to all, without a control')!;
    expect(proceed().attributes('disabled')).toBeDefined();
    await wrapper.get('textarea[name="without-control-reason"]').setValue('inert on these feeds');
    expect(proceed().attributes('disabled')).toBeUndefined();
    await proceed().trigger('click');
    await flushPromises();
    expect(client.callsOf('rollouts.decide')).toEqual([{ rolloutId: 3, reason: 'canary clean', withoutControl: 'inert on these feeds', decision: 'proceed', fromStage: 'canary', fromState: 'active' }]);
  });
});
