// @vitest-environment happy-dom
import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import RollbackPanel from '../../../renderer/src/components/RollbackPanel.vue';
import { ApiError } from '../../../renderer/src/client/index.js';
import { CONFLICT_POLICIES, conflictChoice, type RollbackEventView, type RollbackRefusalView, type RollbackReportView } from '../../../shared/api-operations.js';
import { fakeClient, type FakeClient, type Handlers } from './fake-client.js';
import { rollbackEvent, rollbackReport } from './fixtures.js';
import { mountWith } from './mount.js';
import { useOperations } from '../../../renderer/src/stores/operations.js';

const conflict = { eventId: 'EV-2', laterRuns: [14], expectedHash: 'a1', currentHash: 'b2', bringsBack: null, message: 'EV-2 was changed by run 14 since' };

function buttonNamed(wrapper: VueWrapper, text: string) {
  const button = wrapper.findAll('button').find((b) => b.text() === text);
  if (!button) throw new Error(`no button "${text}" in: ${wrapper.text()}`);
  return button;
}

describe('the rollback panel', () => {
  let events: RollbackEventView[];
  let client: FakeClient;
  let preview: (policy: RollbackReportView['onConflict']) => RollbackReportView;

  function handlers(overrides: Handlers = {}): Handlers {
    return {
      'rollback.events': () => events,
      'rollback.preview': ({ runId, batchSeq, onConflict }) => ({ ...preview(onConflict), runId, batchSeq, onConflict }),
      'rollback.apply': ({ runId, batchSeq, onConflict, reason }) => {
        events = [rollbackEvent({ runId, batchSeq, reason, operator: 'Ada' })];
        return rollbackReport({ runId, batchSeq, onConflict, dryRun: false, reason, message: 'Restored 2 hearings and deleted 1; run 12 is rolled back.' });
      },
      ...overrides,
    };
  }

  async function openDialog(props: { batchSeq?: number | null; running?: boolean; refusals?: RollbackRefusalView[] } = {}, label = 'Roll back run 12…') {
    const wrapper = mountWith(RollbackPanel, client, { props: { runId: 12, batchSeq: props.batchSeq ?? null, running: props.running ?? false, refusals: props.refusals ?? [] } });
    await flushPromises();
    await buttonNamed(wrapper, label).trigger('click');
    await flushPromises();
    return wrapper;
  }

  const applyButton = (wrapper: VueWrapper) => wrapper.get('[data-testid="rollback-dialog"] button[type="submit"]');

  beforeEach(() => {
    window.localStorage.clear();
    events = [];
    preview = () => rollbackReport();
    client = fakeClient(handlers());
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('says when a run was never rolled back, and lists the rollbacks it had', async () => {
    const wrapper = mountWith(RollbackPanel, client, { props: { runId: 12, batchSeq: null, running: false, refusals: [] } });
    await flushPromises();
    expect(wrapper.text()).toContain('This run has never been rolled back.');

    events = [rollbackEvent({ batchSeq: 2, runRolledBack: false, onConflict: 'force', forced: 1 })];
    const again = mountWith(RollbackPanel, client, { props: { runId: 12, batchSeq: null, running: false, refusals: [] } });
    await flushPromises();
    const row = again.get('[data-testid="rollback-events"] tbody tr').text();
    expect(row).toContain('batch 2');
    expect(row).toContain('ada');
    expect(row).toContain('bad source file');
    expect(row).toContain('force, 1 forced');
  });

  it('counts a big rollback\'s rows with thousands separators, as the dry run above them does', async () => {
    events = [rollbackEvent({ restored: 2_425, deleted: 18_322, skipped: 1_001, onConflict: 'force', forced: 1_200 })];
    const wrapper = mountWith(RollbackPanel, client, { props: { runId: 12, batchSeq: null, running: false, refusals: [] } });
    await flushPromises();
    const cells = wrapper.get('[data-testid="rollback-events"] tbody tr').findAll('td').map((cell) => cell.text());
    expect(cells.slice(4)).toEqual(['2,425', '18,322', '1,001', 'force, 1,200 forced']);
  });

  it('lists a rollback another window finished without being reopened', async () => {
    const wrapper = mountWith(RollbackPanel, client, { props: { runId: 12, batchSeq: null, running: false, refusals: [] } });
    useOperations().connect(client);
    await flushPromises();
    expect(wrapper.text()).toContain('This run has never been rolled back.');
    events = [rollbackEvent({ reason: 'rolled back from the other window' })];
    const rollbackElsewhere = { operationId: 'op-9', kind: 'rollback' as const, target: 'run 12', runId: 12, operator: 'Bo', startedAt: '2026-11-28T12:00:00.000Z', phase: 'finished', done: 1, total: 1, error: null };
    client.emitOperation({ type: 'operation-finished', operation: { ...rollbackElsewhere, status: 'done', finishedAt: '2026-11-28T12:00:05.000Z' } });
    await flushPromises();
    expect(wrapper.get('[data-testid="rollback-events"] tbody tr').text()).toContain('rolled back from the other window');
  });

  it('previews the rollback as a dry run before anything can be applied', async () => {
    const wrapper = await openDialog();
    expect(client.callsOf('rollback.preview')).toEqual([{ runId: 12, batchSeq: null, onConflict: 'refuse' }]);
    expect(wrapper.get('dialog').attributes('aria-label')).toBe('Roll back run 12');
    expect(wrapper.get('[data-testid="rollback-preview"]').text()).toBe('Would restore 2 hearings and delete 1.');
    const rows = wrapper.findAll('[data-testid="rollback-dialog"] tbody tr').map((r) => r.text());
    expect(rows).toEqual(['EV-11get its earlier version back', 'EV-21get its earlier version back', 'EV-32be deleted (the run added it)']);
    expect(client.callsOf('rollback.apply')).toEqual([]);
  });

  it('keeps the apply button disabled until the typed run id matches, with a reason', async () => {
    const wrapper = await openDialog();
    expect(applyButton(wrapper).attributes('disabled')).toBeDefined();

    await wrapper.get('textarea[name="rollback-reason"]').setValue('bad source file');
    for (const wrong of ['', '1', '13', '12a', 'run 12']) {
      await wrapper.get('input[name="confirm-run-id"]').setValue(wrong);
      expect(applyButton(wrapper).attributes('disabled'), `typed "${wrong}"`).toBeDefined();
    }
    await wrapper.get('input[name="confirm-run-id"]').setValue(' 12 ');
    expect(applyButton(wrapper).attributes('disabled')).toBeUndefined();

    await wrapper.get('textarea[name="rollback-reason"]').setValue('  ');
    expect(applyButton(wrapper).attributes('disabled')).toBeDefined();
  });

  it('says in words beside the disabled button what keeps it disabled: the id typed, a blank reason', async () => {
    const wrapper = await openDialog();
    const missing = () => wrapper.find('[data-testid="confirmation-missing"]');
    expect(missing().text()).toBe('Type the run id 12 to confirm. A reason is needed.');
    expect(applyButton(wrapper).attributes('aria-describedby')).toBe('rollback-unconfirmed');
    await wrapper.get('input[name="confirm-run-id"]').setValue('13');
    await wrapper.get('textarea[name="rollback-reason"]').setValue('   ');
    expect(missing().text()).toBe('“13” is not the run id 12. A reason is needed: the box holds only spaces.');
    await wrapper.get('input[name="confirm-run-id"]').setValue(' 12 ');
    await wrapper.get('textarea[name="rollback-reason"]').setValue('bad source file');
    expect(missing().exists()).toBe(false);
    expect(applyButton(wrapper).attributes('aria-describedby')).toBeUndefined();
  });

  it('does not apply when the form is submitted without the matching confirmation', async () => {
    const wrapper = await openDialog();
    await wrapper.get('input[name="confirm-run-id"]').setValue('13');
    await wrapper.get('textarea[name="rollback-reason"]').setValue('bad source file');
    await wrapper.get('[data-testid="rollback-dialog"] form').trigger('submit');
    await flushPromises();
    expect(client.callsOf('rollback.apply')).toEqual([]);
    expect(wrapper.emitted('rolledBack')).toBeUndefined();
  });

  it('applies once confirmed, shows the outcome and the new rollback event', async () => {
    const wrapper = await openDialog();
    await wrapper.get('input[name="confirm-run-id"]').setValue('12');
    await wrapper.get('textarea[name="rollback-reason"]').setValue('bad source file');
    expect(applyButton(wrapper).text()).toBe('Roll back run 12');
    await wrapper.get('[data-testid="rollback-dialog"] form').trigger('submit');
    await flushPromises();

    expect(client.callsOf('rollback.apply')).toEqual([{ runId: 12, batchSeq: null, onConflict: 'refuse', reason: 'bad source file', confirmRunId: 12, previewedAfterEvent: null }]);
    expect(wrapper.emitted('rolledBack')).toHaveLength(1);
    expect(wrapper.find('[data-testid="rollback-dialog"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="rollback-result"]').text()).toContain('run 12 is rolled back');
    expect(wrapper.get('[data-testid="rollback-events"]').text()).toContain('Ada');
  });

  it('sends the rollback event its preview was read after; refused as stale, it says who rolled back since and shows the new preview', async () => {
    events = [rollbackEvent({ id: 7, batchSeq: 2, runRolledBack: false })];
    client = fakeClient(handlers({
      'rollback.apply': () => {
        events = [rollbackEvent({ id: 8, operator: 'bo', reason: 'the feed was wrong' }), ...events];
        preview = () => rollbackReport({ nothingToDo: true, message: 'run 12 was already rolled back; nothing to do' });
        return Promise.reject(new ApiError('CONFLICT', 'run 12 changed since this preview: bo rolled back the whole run at 2026-11-21T09:06:00.000Z (the feed was wrong); nothing was rolled back now', 'read the new preview'));
      },
    }));
    const wrapper = await openDialog();
    await wrapper.get('input[name="confirm-run-id"]').setValue('12');
    await wrapper.get('textarea[name="rollback-reason"]').setValue('bad source file');
    await wrapper.get('[data-testid="rollback-dialog"] form').trigger('submit');
    await flushPromises();
    expect(client.callsOf('rollback.apply')).toMatchObject([{ previewedAfterEvent: 7 }]);
    expect(wrapper.get('[data-testid="rollback-apply-error"]').text()).toMatch(/^run 12 changed since this preview: bo rolled back the whole run/);
    expect(client.callsOf('rollback.preview')).toHaveLength(2);
    expect(wrapper.get('[data-testid="rollback-preview"]').text()).toBe('run 12 was already rolled back; nothing to do');
    expect(wrapper.find('input[name="confirm-run-id"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="rollback-events"]').text()).toContain('bo');
    expect(wrapper.emitted('rolledBack')).toBeUndefined();
  });

  it('rolls back one batch when a batch is open', async () => {
    const wrapper = await openDialog({ batchSeq: 3 }, 'Roll back batch 3…');
    expect(client.callsOf('rollback.preview')).toEqual([{ runId: 12, batchSeq: 3, onConflict: 'refuse' }]);
    expect(wrapper.get('dialog').attributes('aria-label')).toBe('Roll back batch 3 of run 12');
  });

  it('blocks a rollback that would hit conflicts until a policy is chosen, saying before it is confirmed which runs changed them and what each choice would do', async () => {
    const policies = [
      { policy: 'refuse', refused: true, nothingToDo: false, undone: 0, skipped: 0, forced: 0, message: 'refuse: refused, nothing changes — 1 hearing changed since (run 14 (1))' },
      { policy: 'skip', refused: false, nothingToDo: false, undone: 2, skipped: 1, forced: 0, message: 'skip: undoes 2 hearings, leaving the 1 hearing changed since (run 14 (1)) as it is now' },
      { policy: 'force', refused: false, nothingToDo: false, undone: 3, skipped: 0, forced: 1, message: 'force: undoes 3 hearings, discarding the later changes to the 1 hearing changed since (run 14 (1))' },
    ] as const;
    preview = (policy) =>
      rollbackReport({
        wouldRefuse: policy === 'refuse',
        conflicts: [conflict],
        conflictSummary: { hearings: 1, laterRuns: [{ runId: 14, hearings: 1 }], changedOtherwise: 0, bringBackUndone: 0 },
        policies: [...policies],
        message: policy === 'refuse' ? 'Would refuse: 1 hearing changed since.' : 'Would skip 1 changed hearing.',
      });
    const wrapper = await openDialog();
    expect(wrapper.get('[data-testid="rollback-conflicts"]').text()).toContain('1 hearing changed since this write, by run 14 (1).');
    expect(wrapper.text()).toContain('EV-2 was changed by run 14 since');
    expect(wrapper.findAll('[data-testid="rollback-policies"] li').map((li) => li.text())).toEqual(policies.map((p) => p.message));
    // The choices the console's wording of a report quotes in place of `--on-conflict POLICY` (rollback-report.ts).
    expect(wrapper.findAll('select[name="on-conflict"] option').map((o) => [o.attributes('value'), `“${o.text()}”`])).toEqual(CONFLICT_POLICIES.map((p) => [p, conflictChoice(p, 'console')]));
    await wrapper.get('input[name="confirm-run-id"]').setValue('12');
    await wrapper.get('textarea[name="rollback-reason"]').setValue('bad source file');
    expect(applyButton(wrapper).attributes('disabled')).toBeDefined();
    expect(wrapper.text()).toContain('Choose how to treat the conflicts above before rolling back.');

    await wrapper.get('select[name="on-conflict"]').setValue('skip');
    await flushPromises();
    expect(client.callsOf('rollback.preview')).toMatchObject([{ onConflict: 'refuse' }, { onConflict: 'skip' }]);
    expect(wrapper.get('[data-testid="rollback-preview"]').text()).toBe('Would skip 1 changed hearing.');
    expect(applyButton(wrapper).attributes('disabled')).toBeUndefined();
  });

  it('offers nothing to apply when there is nothing to roll back', async () => {
    preview = () => rollbackReport({ nothingToDo: true, hearings: [], message: 'Nothing to roll back: run 12 changed no hearing.' });
    const wrapper = await openDialog();
    expect(wrapper.get('[data-testid="rollback-preview"]').text()).toContain('Nothing to roll back');
    expect(wrapper.find('input[name="confirm-run-id"]').exists()).toBe(false);
  });

  it('shows why the preview failed', async () => {
    client = fakeClient(handlers({ 'rollback.preview': () => Promise.reject(new ApiError('NOT_FOUND', 'run 12 has no undo journal')) }));
    const wrapper = await openDialog();
    expect(wrapper.get('[data-testid="rollback-dialog"] [role="alert"]').text()).toBe('run 12 has no undo journal');
    expect(wrapper.find('input[name="confirm-run-id"]').exists()).toBe(false);
  });

  it('keeps the dialog open with the reason when the rollback is refused', async () => {
    client = fakeClient(handlers({ 'rollback.apply': () => Promise.reject(new ApiError('CONFLICT', 'a later run changed EV-2', 'preview again')) }));
    const wrapper = await openDialog();
    await wrapper.get('input[name="confirm-run-id"]').setValue('12');
    await wrapper.get('textarea[name="rollback-reason"]').setValue('bad source file');
    await wrapper.get('[data-testid="rollback-dialog"] form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid="rollback-dialog"] [role="alert"]').text()).toBe('a later run changed EV-2 — preview again');
    expect(wrapper.emitted('rolledBack')).toBeUndefined();
  });

  it('cannot be started while the run is still running', async () => {
    const wrapper = mountWith(RollbackPanel, client, { props: { runId: 12, batchSeq: 2, running: true, refusals: [] } });
    await flushPromises();
    expect(buttonNamed(wrapper, 'Roll back run 12…').attributes('disabled')).toBeDefined();
    expect(buttonNamed(wrapper, 'Roll back batch 2…').attributes('disabled')).toBeDefined();
    expect(wrapper.text()).toContain('A running run cannot be rolled back; stop it first.');
  });

  it('shows why the API would refuse the run or the batch beside disabled buttons, in the API\'s words', async () => {
    const refusals: RollbackRefusalView[] = [
      { batchSeq: null, message: 'run 12 was already rolled back; nothing to do', hint: 'its rollback events say who rolled it back, when and why' },
      { batchSeq: 2, message: 'batch 2 of run 12 wrote no rows; nothing to roll back', hint: 'its records were unchanged or quarantined' },
    ];
    const wrapper = mountWith(RollbackPanel, client, { props: { runId: 12, batchSeq: 2, running: false, refusals } });
    await flushPromises();
    const runButton = buttonNamed(wrapper, 'Roll back run 12…');
    const batchButton = buttonNamed(wrapper, 'Roll back batch 2…');
    expect(runButton.attributes('disabled')).toBeDefined();
    expect(batchButton.attributes('disabled')).toBeDefined();
    expect(runButton.attributes('aria-describedby')).toBe('rollback-run-refused');
    expect(batchButton.attributes('aria-describedby')).toBe('rollback-batch-refused');
    expect(wrapper.get('[data-testid="rollback-run-refused"]').text()).toBe('run 12 was already rolled back; nothing to do. its rollback events say who rolled it back, when and why');
    expect(wrapper.get('[data-testid="rollback-batch-refused"]').text()).toContain('batch 2 of run 12 wrote no rows; nothing to roll back');
    await runButton.trigger('click');
    await flushPromises();
    expect(client.callsOf('rollback.preview')).toEqual([]);
  });

  it('refuses only the batch the refusal names: another batch and the run stay offered', async () => {
    const refusals: RollbackRefusalView[] = [{ batchSeq: 1, message: 'refusing to roll back batch 1 of run 12: the run is interrupted and can still be resumed', hint: 'resume it first' }];
    const wrapper = await openDialog({ batchSeq: 2, refusals }, 'Roll back batch 2…');
    expect(client.callsOf('rollback.preview')).toEqual([{ runId: 12, batchSeq: 2, onConflict: 'refuse' }]);
    expect(wrapper.find('[data-testid="rollback-batch-refused"]').exists()).toBe(false);
    expect(buttonNamed(wrapper, 'Roll back run 12…').attributes('disabled')).toBeUndefined();
  });

  it('offers nothing while a rollback of this run is under way elsewhere, and offers again once it ends', async () => {
    const wrapper = mountWith(RollbackPanel, client, { props: { runId: 12, batchSeq: 2, running: false, refusals: [] } });
    const operations = useOperations();
    const elsewhere = { operationId: 'op-3', kind: 'rollback' as const, target: 'batch 2 of run 12', runId: 12, operator: 'Bo', startedAt: '2026-11-28T12:00:00.000Z', phase: 'undoing hearings', done: 1, total: 4, finishedAt: null, error: null };
    operations.apply({ ...elsewhere, status: 'running' });
    operations.apply({ ...elsewhere, operationId: 'op-4', target: 'run 13', runId: 13, status: 'running' });
    await flushPromises();
    expect(buttonNamed(wrapper, 'Roll back run 12…').attributes('disabled')).toBeDefined();
    expect(buttonNamed(wrapper, 'Roll back batch 2…').attributes('disabled')).toBeDefined();
    expect(wrapper.get('[data-testid="rollback-in-progress"]').text()).toBe('A rollback of batch 2 of run 12 is under way (Bo): undoing hearings.');
    operations.apply({ ...elsewhere, status: 'done', phase: 'finished', finishedAt: '2026-11-28T12:00:05.000Z' });
    await flushPromises();
    expect(buttonNamed(wrapper, 'Roll back run 12…').attributes('disabled')).toBeUndefined();
    expect(wrapper.find('[data-testid="rollback-in-progress"]').exists()).toBe(false);
  });

  it('closes the dialog on Cancel without applying', async () => {
    const wrapper = await openDialog();
    await buttonNamed(wrapper, 'Cancel').trigger('click');
    expect(wrapper.find('[data-testid="rollback-dialog"]').exists()).toBe(false);
    expect(client.callsOf('rollback.apply')).toEqual([]);
  });
});
