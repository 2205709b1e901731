// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineComponent, h } from 'vue';
import FlagEditor from '../../../renderer/src/components/FlagEditor.vue';
import OperatorPrompt from '../../../renderer/src/components/OperatorPrompt.vue';
import RestoreDialog from '../../../renderer/src/components/RestoreDialog.vue';
import { useOperator } from '../../../renderer/src/stores/operator.js';
import { fakeClient, type FakeClient } from './fake-client.js';
import { flagView } from './fixtures.js';
import { mountWith } from './mount.js';

const UNNAMED = { operator: null, identity: 'session' as const, canName: true };
const SNAPSHOT = { id: '20261128T120000000Z-a1b2c3', file: '20261128T120000000Z-a1b2c3.sqlite', createdAt: '2026-11-28T12:00:00.000Z', kind: 'manual' as const, runId: null, sizeBytes: 4096, sha256: 'ab'.repeat(32) };

/** The flag editor with the app's naming prompt beside it, as App.vue mounts them. */
const EditorWithPrompt = defineComponent(() => () => h('div', [h(FlagEditor, { flag: flagView(), scopes: ['global'] }), h(OperatorPrompt)]));

describe('naming a browser session before its first change (issue 14, item 7)', () => {
  let client: FakeClient;
  beforeEach(() => {
    client = fakeClient({
      'session.name': ({ name }) => ({ operator: name.trim(), identity: 'session', canName: false }),
      'flags.set': (input) => ({ id: 1, flag: input.flag, scope: input.scope, oldValue: null, newValue: input.value, operator: 'Grace', reason: input.reason, at: '2026-11-28T12:00:00.000Z', revertsEventId: null, changed: true }),
    });
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('asks for the name, binds it on the server, then sends the change without any operator in it', async () => {
    const wrapper = mountWith(EditorWithPrompt, client, {}, UNNAMED);
    expect(wrapper.get('[data-testid="operator-note"]').text()).toMatch(/asked for your name once/);
    await wrapper.get('textarea[name="reason"]').setValue('incident 42');
    await wrapper.get('form[aria-label="Change ENABLE_BATCH_PROCESSING"]').trigger('submit');
    await flushPromises();
    expect(client.callsOf('flags.set')).toEqual([]);
    const prompt = wrapper.get('[data-testid="operator-prompt"]');
    await prompt.get('input[name="session-operator"]').setValue('Grace');
    await prompt.trigger('submit');
    await flushPromises();
    expect(client.callsOf('session.name')).toEqual([{ name: 'Grace' }]);
    expect(client.callsOf('flags.set')).toEqual([{ flag: 'ENABLE_BATCH_PROCESSING', scope: 'global', value: true, reason: 'incident 42', expected: null }]);
    expect(wrapper.find('[data-testid="operator-prompt"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="operator-note"]').text()).toBe('Recorded as Grace.');
  });

  it('sends nothing when the prompt is cancelled', async () => {
    const wrapper = mountWith(EditorWithPrompt, client, {}, UNNAMED);
    await wrapper.get('textarea[name="reason"]').setValue('incident 42');
    await wrapper.get('form[aria-label="Change ENABLE_BATCH_PROCESSING"]').trigger('submit');
    await flushPromises();
    const cancel = wrapper.get('[data-testid="operator-prompt"]').findAll('button').find((b) => b.text() === 'Cancel')!;
    await cancel.trigger('click');
    await flushPromises();
    expect(client.calls).toEqual([]);
    expect(useOperator().name).toBeNull();
  });
});

describe('the restore dialog (issue 14, item 7)', () => {
  let client: FakeClient;
  beforeEach(() => {
    client = fakeClient({
      'backups.restore': ({ id, reason }) => ({
        restoredFrom: { ...SNAPSHOT, id },
        safetySnapshot: { ...SNAPSHOT, id: 'safety-1', kind: 'safety' },
        hearingsBefore: 25,
        hearingsAfter: 10,
        event: { id: 1, snapshotId: id, snapshotTakenAt: SNAPSHOT.createdAt, safetySnapshotId: 'safety-1', operator: 'Ada', reason, at: '2026-11-28T12:30:00.000Z', hearingsBefore: 25, hearingsAfter: 10, repointedTasks: [] },
        message: `restored the database from snapshot ${id}; recorded as restore 1 by Ada`,
      }),
    });
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  const submit = (wrapper: ReturnType<typeof mountWith>) => wrapper.get('[data-testid="restore-dialog"] button[type="submit"]');

  it('restores only with the snapshot id typed in full and a reason, recorded under the session', async () => {
    const wrapper = mountWith(RestoreDialog, client, { props: { snapshot: SNAPSHOT } });
    expect(submit(wrapper).attributes('disabled')).toBeDefined();
    await wrapper.get('textarea[name="restore-reason"]').setValue('undo the bad feed');
    for (const wrong of ['', 'a1b2c3', SNAPSHOT.id.slice(0, -1), `${SNAPSHOT.id}x`]) {
      await wrapper.get('input[name="confirm-snapshot-id"]').setValue(wrong);
      expect(submit(wrapper).attributes('disabled'), `typed "${wrong}"`).toBeDefined();
    }
    await wrapper.get('input[name="confirm-snapshot-id"]').setValue(` ${SNAPSHOT.id} `);
    expect(wrapper.get('[data-testid="operator-note"]').text()).toBe('Recorded as Ada.');
    await submit(wrapper).trigger('submit');
    await flushPromises();
    expect(client.callsOf('backups.restore')).toEqual([{ id: SNAPSHOT.id, confirmId: SNAPSHOT.id, reason: 'undo the bad feed' }]);
    expect(wrapper.emitted('restored')).toEqual([[`restored the database from snapshot ${SNAPSHOT.id}; recorded as restore 1 by Ada`]]);
  });

  it('says what a restore puts back and what it keeps: flags and tasks stay as they are now', async () => {
    const text = mountWith(RestoreDialog, client, { props: { snapshot: SNAPSHOT } }).get('[data-testid="restore-dialog"]').text();
    expect(text).toContain('Runs, hearings and their quarantine go back with it');
    expect(text).toContain('flag values, scheduled tasks and the audit (rollbacks, flag changes, reviews, restores) stay as they are now');
    expect(text).not.toMatch(/flags, tasks — is replaced/);
  });

  it('says in words why Restore is still disabled: the snapshot id typed is not this one, or the reason is missing', async () => {
    const wrapper = mountWith(RestoreDialog, client, { props: { snapshot: SNAPSHOT } });
    const missing = () => wrapper.find('[data-testid="confirmation-missing"]');
    await wrapper.get('input[name="confirm-snapshot-id"]').setValue(SNAPSHOT.id.slice(0, -1));
    expect(missing().text()).toBe(`“${SNAPSHOT.id.slice(0, -1)}” is not the snapshot id ${SNAPSHOT.id}. A reason is needed.`);
    expect(submit(wrapper).attributes('aria-describedby')).toBe('restore-dialog-unconfirmed');
    await wrapper.get('input[name="confirm-snapshot-id"]').setValue(SNAPSHOT.id);
    await wrapper.get('textarea[name="restore-reason"]').setValue('undo the bad feed');
    expect(missing().exists()).toBe(false);
  });

  it('sends nothing when submitted (Enter) without the matching id', async () => {
    const wrapper = mountWith(RestoreDialog, client, { props: { snapshot: SNAPSHOT } });
    await wrapper.get('textarea[name="restore-reason"]').setValue('undo the bad feed');
    await wrapper.get('input[name="confirm-snapshot-id"]').setValue('yes');
    await wrapper.get('[data-testid="restore-dialog"]').trigger('submit');
    await flushPromises();
    expect(client.calls).toEqual([]);
  });
});
