// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import CanaryPanel from '../../../renderer/src/components/CanaryPanel.vue';
import type { CanaryReportView } from '../../../shared/api-operations.js';
import { fakeClient } from './fake-client.js';
import { mountWith } from './mount.js';

describe('the canary comparison', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('offers the first scheduled task once the task list arrives, not a made-up name', async () => {
    const wrapper = mountWith(CanaryPanel, fakeClient(), { props: { tasks: [] } });
    const field = () => (wrapper.get('input[name=canary-task]').element as HTMLInputElement).value;
    expect(field()).toBe('');
    await wrapper.setProps({ tasks: ['nightly-house', 'nightly-senate'] });
    await flushPromises();
    expect(field()).toBe('nightly-house');
  });

  it('keeps a task the operator typed before the list arrived', async () => {
    const wrapper = mountWith(CanaryPanel, fakeClient(), { props: { tasks: [] } });
    await wrapper.get('input[name=canary-task]').setValue('weekly');
    await wrapper.setProps({ tasks: ['nightly-house'] });
    await flushPromises();
    expect((wrapper.get('input[name=canary-task]').element as HTMLInputElement).value).toBe('weekly');
  });

  it('gives the time the canary began as every other time in the console: UTC, and saying so', async () => {
    const group = { runs: 3, finished: 3, succeeded: 3, errors: 0, successRate: 100, meanDurationMs: 1_200, msPerRecord: 0.5, batches: 6, failedBatches: 0, anomalousRuns: 0, confirmedFalsePositives: 0, realAnomalies: 0, recordsLost: 0, fetched: 300 };
    const side = { runs: 3, finished: 3, failedRuns: 0, batches: 6, failedBatches: 0, alerts: 0, alertRate: 0, alertInterval: null, confirmedAnomalies: 0, unreviewedAnomalies: 0, recordsLost: 0 };
    const report: CanaryReportView = {
      task: 'nightly-house', since: null, until: '2026-12-01T12:00:00.000Z', canaryStartedAt: '2026-11-28T06:05:43.210Z', controlTasks: ['nightly-senate'],
      canary: group, baseline: group,
      window: { canary: side, control: side, minRuns: 3, maxSlowdownPercent: 10, timeRatio: null, enoughData: true, guardrails: { failures: 'pass', dataLoss: 'pass', perRecordTime: 'pass', alertRate: 'pass' } },
      timeRatio: null, durationOverheadPercent: null, criteria: [], recommendation: 'Full rollout', reasons: [],
    };
    const wrapper = mountWith(CanaryPanel, fakeClient({ 'canary.report': () => report }), { props: { tasks: ['nightly-house'] } });
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid="canary-window"]').text()).toMatch(/^Compared since the canary's flag was set \(2026-11-28 06:05 UTC\);/);
  });
});
