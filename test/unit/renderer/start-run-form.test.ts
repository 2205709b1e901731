// @vitest-environment happy-dom
import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import StartRunForm from '../../../renderer/src/components/StartRunForm.vue';
import { ApiError } from '../../../renderer/src/client/index.js';
import { fakeClient, type FakeClient } from './fake-client.js';
import { mountWith } from './mount.js';
import { runSummary } from './fixtures.js';
import { useLiveRuns } from '../../../renderer/src/stores/live.js';
import { useOperator } from '../../../renderer/src/stores/operator.js';

const DEFAULTS = { synthetic: 'synthetic:seed=121,count=500,invalid=bad-date:0.01,offset=120', congress: null };
const sourceDefaults = () => DEFAULTS;

const startButton = (wrapper: VueWrapper) => wrapper.get('button[type="submit"]');

async function submit(wrapper: VueWrapper): Promise<void> {
  await wrapper.get('form').trigger('submit');
  await flushPromises();
}

describe('the start-run form', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('starts a run from a ready-made synthetic source, leaving batch size and mode to the flags', async () => {
    const client = fakeClient({ 'runs.sourceDefaults': sourceDefaults, 'runs.start': () => ({ runId: 41 }) });
    const wrapper = mountWith(StartRunForm, client);
    await flushPromises();
    const source = (wrapper.get('input[name="source"]').element as HTMLInputElement).value;
    expect(source).toBe(DEFAULTS.synthetic);
    expect(startButton(wrapper).text()).toBe('Start run');

    await submit(wrapper);
    expect(client.callsOf('runs.start')).toEqual([{ source, task: null }]);
    expect(wrapper.emitted('started')).toEqual([[41]]);
  });

  it('sends the batch size, mode and trimmed task that were chosen', async () => {
    const client = fakeClient({ 'runs.sourceDefaults': sourceDefaults, 'runs.start': () => ({ runId: 42 }) });
    const wrapper = mountWith(StartRunForm, client);
    await wrapper.get('input[name="source"]').setValue('file:/data/hearings.jsonl');
    await wrapper.get('input[name="batchSize"]').setValue('200');
    await wrapper.get('select[name="mode"]').setValue('all-or-nothing');
    await wrapper.get('input[name="task"]').setValue('  nightly ');
    await wrapper.get('input[name="fullIntegrityCheck"]').setValue(true);
    await submit(wrapper);
    expect(client.callsOf('runs.start')).toEqual([{ source: 'file:/data/hearings.jsonl', batchSize: 200, mode: 'all-or-nothing', task: 'nightly', fullIntegrityCheck: true }]);
  });

  it.each([
    ['a blank source', { source: '   ' }, 'A source is needed'],
    // The API's rule in its words (cli-api-parity), after the form's own name for the field.
    ['a zero batch size', { batchSize: '0' }, 'Batch size must be a whole number from 1 to 10000, or empty for the flags in force.'],
    ['a batch size above the maximum', { batchSize: '10001' }, 'Batch size must be a whole number from 1 to 10000, or empty for the flags in force.'],
    ['a fractional batch size', { batchSize: '2.5' }, 'Batch size must be a whole number from 1 to 10000, or empty for the flags in force.'],
  ])('refuses %s before asking the server', async (_name, fields: { source?: string; batchSize?: string }, message) => {
    const client = fakeClient({ 'runs.sourceDefaults': sourceDefaults, 'runs.start': () => ({ runId: 1 }) });
    const wrapper = mountWith(StartRunForm, client);
    if (fields.source !== undefined) await wrapper.get('input[name="source"]').setValue(fields.source);
    if (fields.batchSize !== undefined) await wrapper.get('input[name="batchSize"]').setValue(fields.batchSize);
    expect(startButton(wrapper).attributes('disabled')).toBeDefined();
    expect(wrapper.get('[data-testid="start-run-problem"]').text()).toContain(message);
    await submit(wrapper);
    expect(client.callsOf('runs.start')).toEqual([]);
  });

  it('accepts the batch size again once it is cleared or corrected', async () => {
    const client = fakeClient({ 'runs.sourceDefaults': sourceDefaults, 'runs.start': () => ({ runId: 1 }) });
    const wrapper = mountWith(StartRunForm, client);
    await wrapper.get('input[name="batchSize"]').setValue('0');
    await wrapper.get('input[name="batchSize"]').setValue('');
    expect(startButton(wrapper).attributes('disabled')).toBeUndefined();
    await wrapper.get('input[name="batchSize"]').setValue('10000');
    expect(wrapper.find('[data-testid="start-run-problem"]').exists()).toBe(false);
  });

  it('shows why the server refused to start, with its hint', async () => {
    const client = fakeClient({ 'runs.sourceDefaults': sourceDefaults, 'runs.start': () => Promise.reject(new ApiError('LOCK_HELD', 'run 40 is still running', 'wait for it or stop it')) });
    const wrapper = mountWith(StartRunForm, client);
    await flushPromises();
    await submit(wrapper);
    expect(wrapper.get('[role="alert"]').text()).toBe('run 40 is still running — wait for it or stop it');
    expect(wrapper.emitted('started')).toBeUndefined();
    expect(startButton(wrapper).attributes('disabled')).toBeUndefined();
  });

  it('starts one run per click, even when submitted again while starting', async () => {
    let release: (value: { runId: number }) => void = () => undefined;
    const client: FakeClient = fakeClient({ 'runs.sourceDefaults': sourceDefaults, 'runs.start': () => new Promise((resolve) => (release = resolve)) });
    const wrapper = mountWith(StartRunForm, client);
    await flushPromises();
    await wrapper.get('form').trigger('submit');
    expect(startButton(wrapper).text()).toBe('Starting…');
    expect(startButton(wrapper).attributes('disabled')).toBeDefined();
    await wrapper.get('form').trigger('submit');
    release({ runId: 43 });
    await flushPromises();
    expect(client.callsOf('runs.start')).toHaveLength(1);
    expect(wrapper.emitted('started')).toEqual([[43]]);
    expect(startButton(wrapper).text()).toBe('Start run');
  });

  it('moves a source left at the default above the records a run added once that run has ended, and offers Congress.gov only with a key', async () => {
    let offset = 120;
    const client = fakeClient({
      'runs.sourceDefaults': () => ({ synthetic: `synthetic:seed=1,count=500,offset=${offset}`, congress: offset > 120 ? 'congress:' : null }),
      'runs.start': () => ({ runId: 44 }),
    });
    const wrapper = mountWith(StartRunForm, client);
    const live = useLiveRuns();
    await flushPromises();
    const source = () => (wrapper.get('input[name="source"]').element as HTMLInputElement).value;
    const congress = wrapper.findAll('button').find((b) => b.text() === 'Congress.gov')!;
    expect(congress.attributes('disabled')).toBeDefined();
    await submit(wrapper);
    expect(client.callsOf('runs.start')).toEqual([{ source: 'synthetic:seed=1,count=500,offset=120', task: null }]);
    // As the server answers: the run is started, and has stored nothing yet.
    live.apply({ type: 'run-started', runId: 44, mode: 'batch', batchSize: 50, expectedRecords: 500 });
    await flushPromises();
    expect(source()).toBe('synthetic:seed=1,count=500,offset=120');

    offset += 500;
    live.apply({ type: 'run-finished', runId: 44, summary: runSummary(44) });
    await flushPromises();
    expect(source()).toBe('synthetic:seed=1,count=500,offset=620');
    await congress.trigger('click');
    expect(source()).toBe('congress:');
  });

  it('uploads a chosen file in browser mode and runs the file: source the server kept', async () => {
    const client = fakeClient({
      'runs.sourceDefaults': sourceDefaults,
      'sources.upload': ({ name, content }) => ({ source: `file:/data/uploads/x-${name}`, bytes: content.length, records: null }),
      'runs.start': () => ({ runId: 45 }),
    });
    const wrapper = mountWith(StartRunForm, client);
    await flushPromises();
    expect(wrapper.get('[data-testid="choose-file"]').text()).toBe('Upload a file…');
    const input = wrapper.get('input[name="record-file"]');
    Object.defineProperty(input.element, 'files', { value: [new File(['{"eventId":"1"}\n'], 'week.ndjson')], configurable: true });
    await input.trigger('change');
    await flushPromises();
    expect(client.callsOf('sources.upload')).toEqual([{ name: 'week.ndjson', content: '{"eventId":"1"}\n' }]);
    expect((wrapper.get('input[name="source"]').element as HTMLInputElement).value).toBe('file:/data/uploads/x-week.ndjson');
    expect(wrapper.get('[data-testid="file-note"]').text()).toContain('week.ndjson uploaded');
    await submit(wrapper);
    expect(client.callsOf('runs.start')).toEqual([{ source: 'file:/data/uploads/x-week.ndjson', task: null }]);
  });

  it('asks an unnamed browser session for its name before starting or uploading, and sends nothing when the prompt is dismissed', async () => {
    const client = fakeClient({
      'runs.sourceDefaults': sourceDefaults,
      'sources.upload': ({ name }) => ({ source: `file:/data/uploads/x-${name}`, bytes: 16, records: 1 }),
      'runs.start': () => ({ runId: 46 }),
      'session.name': ({ name }) => ({ operator: name, identity: 'session', canName: false }),
    });
    const wrapper = mountWith(StartRunForm, client, {}, { operator: null, identity: 'session', canName: true });
    await flushPromises();
    const operator = useOperator();
    await wrapper.get('form').trigger('submit');
    expect(operator.asking).toBe(true);
    // A second press while the name is asked queues no second start.
    expect(startButton(wrapper).attributes('disabled')).toBeDefined();
    await wrapper.get('form').trigger('submit');
    operator.dismiss();
    await flushPromises();
    expect(client.callsOf('runs.start')).toEqual([]);
    expect(startButton(wrapper).text()).toBe('Start run');

    const input = wrapper.get('input[name="record-file"]');
    Object.defineProperty(input.element, 'files', { value: [new File(['{"eventId":"1"}\n'], 'week.ndjson')], configurable: true });
    await input.trigger('change');
    await flushPromises();
    expect(operator.asking).toBe(true);
    expect(client.callsOf('sources.upload')).toEqual([]);
    await operator.nameSession(client, 'Grace');
    await flushPromises();
    expect(client.callsOf('sources.upload')).toHaveLength(1);

    await submit(wrapper);
    expect(client.callsOf('runs.start')).toEqual([{ source: 'file:/data/uploads/x-week.ndjson', task: null }]);
    expect(wrapper.emitted('started')).toEqual([[46]]);
  });

  it('says why the server refused an uploaded file', async () => {
    const client = fakeClient({ 'runs.sourceDefaults': sourceDefaults, 'sources.upload': () => Promise.reject(new ApiError('INPUT_INVALID', 'notes.json: not JSON')) });
    const wrapper = mountWith(StartRunForm, client);
    await flushPromises();
    const input = wrapper.get('input[name="record-file"]');
    Object.defineProperty(input.element, 'files', { value: [new File(['hello'], 'notes.json')], configurable: true });
    await input.trigger('change');
    await flushPromises();
    expect(wrapper.get('[data-testid="file-error"]').text()).toBe('notes.json: not JSON');
    expect((wrapper.get('input[name="source"]').element as HTMLInputElement).value).toBe(DEFAULTS.synthetic);
  });

  it('uses the desktop file picker when the app has one, uploading nothing', async () => {
    const client = Object.assign(fakeClient({ 'runs.sourceDefaults': sourceDefaults }), { pickRecordFile: async () => 'file:/home/ada/week.ndjson' });
    const wrapper = mountWith(StartRunForm, client);
    await flushPromises();
    await wrapper.get('[data-testid="choose-file"]').trigger('click');
    await flushPromises();
    expect((wrapper.get('input[name="source"]').element as HTMLInputElement).value).toBe('file:/home/ada/week.ndjson');
    expect(client.callsOf('sources.upload')).toEqual([]);
  });
});
