// @vitest-environment happy-dom
import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../renderer/src/client/index.js';
import WriterAttempts from '../../../renderer/src/components/WriterAttempts.vue';
import { useOperations } from '../../../renderer/src/stores/operations.js';
import type { WriterAttemptView } from '../../../shared/api-operations.js';
import { fakeClient } from './fake-client.js';
import { mountWith } from './mount.js';

function attempt(id: number, overrides: Partial<WriterAttemptView> = {}): WriterAttemptView {
  return {
    id, operation: `a rollback of run ${id}`, operator: 'sam', pid: 4242, host: 'ops-1', startedAt: '2026-11-30T10:00:00.000Z', endedAt: '2026-11-30T10:00:05.000Z',
    outcome: 'succeeded', detail: null, runId: id, snapshotId: null, ...overrides,
  };
}

const rows = (wrapper: VueWrapper) => wrapper.findAll('[data-testid="attempts-table"] tbody tr');

describe('the rollback and restore attempts on the Backups page', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('lists who tried what and when, how it ended, and links a rollback to its run and a restore to its snapshot', async () => {
    const attempts = [
      attempt(4, { operation: 'a restore of snapshot s-1', runId: null, snapshotId: 's-1', outcome: null, endedAt: null }),
      attempt(3, { operation: 'a rollback of batch 2 of run 7', runId: 7, outcome: 'unfinished', detail: 'the process running it stopped before it reported an outcome' }),
      attempt(2, { outcome: 'failed', detail: 'cannot rollback: run 2 has conflicts' }),
      attempt(1, { operator: null }),
    ];
    const client = fakeClient({ 'backups.attempts': () => attempts });
    const wrapper = mountWith(WriterAttempts, client);
    await flushPromises();
    expect(client.callsOf('backups.attempts')).toEqual([{ limit: 50 }]);
    expect(wrapper.findAll('thead th').map((th) => th.text())).toEqual(['Attempt', 'Started', 'What', 'Who', 'Outcome', 'Ended', 'Detail']);
    expect(rows(wrapper).map((row) => row.get('.badge').text())).toEqual(['running', 'unfinished', 'failed', 'succeeded']);
    const unfinished = wrapper.get('tr[data-attempt="3"]');
    expect(unfinished.text()).toContain('a rollback of batch 2 of run 7');
    expect(unfinished.text()).toContain('sam (pid 4242 on ops-1)');
    expect(unfinished.text()).toContain('the process running it stopped');
    expect(unfinished.get('a').attributes('href')).toBe('#/runs/7');
    const restore = wrapper.get('tr[data-attempt="4"]').get('a');
    expect([restore.attributes('href'), restore.attributes('aria-label'), restore.text()]).toEqual(['#/backups?snapshot=s-1', 'Snapshot s-1: its row in the snapshot list', 'Its snapshot']);
    expect(wrapper.get('tr[data-attempt="1"]').text()).toContain('— (pid');
    expect(wrapper.get('[data-testid="attempts-summary"]').text()).toBe('2 failed or unfinished among the 4 listed.');

    await wrapper.get('input[name="only-trouble"]').setValue(true);
    expect(rows(wrapper).map((row) => row.attributes('data-attempt'))).toEqual(['3', '2']);
  });

  it('says so when nothing was tried, and when nothing listed needs a look', async () => {
    const client = fakeClient({ 'backups.attempts': () => [] });
    const wrapper = mountWith(WriterAttempts, client);
    await flushPromises();
    expect(wrapper.text()).toContain('No rollback or restore has been tried on this database.');

    const calm = mountWith(WriterAttempts, fakeClient({ 'backups.attempts': () => [attempt(1)] }));
    await flushPromises();
    await calm.get('input[name="only-trouble"]').setValue(true);
    expect(calm.get('[data-testid="attempts-none-troubled"]').text()).toBe('None of the 1 attempts listed failed or was left unfinished.');
  });

  it('reads older attempts a page at a time, after the last one shown', async () => {
    const all = Array.from({ length: 70 }, (_, i) => attempt(70 - i));
    const client = fakeClient({ 'backups.attempts': ({ limit, after }) => all.filter((a) => after === undefined || a.id < after).slice(0, limit) });
    const wrapper = mountWith(WriterAttempts, client);
    await flushPromises();
    expect(rows(wrapper)).toHaveLength(50);
    await wrapper.findAll('button').find((b) => b.text() === 'Older attempts…')!.trigger('click');
    await flushPromises();
    expect(client.callsOf('backups.attempts')).toEqual([{ limit: 50 }, { limit: 50, after: 21 }]);
    expect(rows(wrapper)).toHaveLength(70);
    expect(wrapper.findAll('button').some((b) => b.text() === 'Older attempts…')).toBe(false);
  });

  it('says why the list could not be read, offers to try again, and reads it again when a rollback ends', async () => {
    let down = true;
    const client = fakeClient({ 'backups.attempts': () => (down ? Promise.reject(new ApiError('DB_UNREACHABLE', 'the Gatehouse server cannot be reached')) : [attempt(1)]) });
    const wrapper = mountWith(WriterAttempts, client);
    await flushPromises();
    expect(wrapper.get('[role="alert"]').text()).toContain('the Gatehouse server cannot be reached');
    down = false;
    await wrapper.findAll('button').find((b) => b.text() === 'Try again')!.trigger('click');
    await flushPromises();
    expect(rows(wrapper)).toHaveLength(1);

    useOperations().apply({ operationId: 'op-1', kind: 'rollback', target: 'run 1', runId: 1, operator: 'sam', status: 'done', phase: 'finished', done: 1, total: 1, startedAt: '2026-11-30T10:00:00.000Z', finishedAt: '2026-11-30T10:00:05.000Z', error: null });
    await flushPromises();
    expect(client.callsOf('backups.attempts')).toHaveLength(3);
  });
});
