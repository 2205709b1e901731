import { describe, expect, it } from 'vitest';
import { createApi, dispatch } from '../../main/api/index.js';
import { API_METHOD_NAMES } from '../../shared/api.js';
import { sqliteBackend } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { callApi, servedPerTest } from '../helpers/console-http.js';

/**
 * Zod's plain objects drop keys they do not name, so a typo in a field read as "not given": `{"limt": 5}`
 * listed the default 50 runs, `{"runID": 3}` blamed a missing runId. The API names the key instead.
 */
describe('input fields the API does not know', () => {
  const backend = sqliteBackend();
  const served = servedPerTest(backend);

  const bearer = () => ({ Authorization: `Bearer ${served.server.apiToken}` });

  it.each([
    ['runs.get', { runID: 3 }, 'runID'],
    ['runs.list', { limt: 5 }, 'limt'],
    ['history.metrics', { limit: 5, tsak: 'nightly' }, 'tsak'],
    ['flags.set', { flag: 'BATCH_SIZE', value: 20, reason: 'smaller', scpoe: 'task:nightly' }, 'scpoe'],
  ])('refuses %s %j over HTTP as bad input naming the unknown key', async (method, body, key) => {
    const reply = await callApi(served.server, method, body, bearer());
    expect(reply.status).toBe(400);
    expect(reply.result).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID', message: expect.stringContaining(`Unrecognized key: "${key}"`) } });
  });

  it('names an unknown key inside a list of objects with its path', async () => {
    const reply = await callApi(served.server, 'trials.run', { injections: [{ kind: 'volume_drop', magnitud: 0.5 }] }, bearer());
    expect(reply.status).toBe(400);
    expect(reply.result).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID', message: expect.stringMatching(/Unrecognized key: "magnitud"; → at injections\[0\]/) } });
  });

  it('refuses an unknown key on every method of the API table, before its handler runs', async () => {
    const handlers = createApi({ store: served.store, engine: served.engine, transport: 'http' });
    for (const method of API_METHOD_NAMES) {
      const result = await dispatch(handlers, method, { zzTypo: 1 }, tester);
      expect(result, method).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID', message: expect.stringContaining('Unrecognized key: "zzTypo"') } });
    }
  });

  it('refuses a body naming an operator other than the caller, over HTTP and through dispatch (IPC) alike, and changes nothing', async () => {
    const handlers = createApi({ store: served.store, engine: served.engine, transport: 'ipc' });
    const overIpc = await dispatch(handlers, 'flags.set', { flag: 'BATCH_SIZE', value: 20, reason: 'smaller', operator: 'carol' }, tester);
    expect(overIpc).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID', message: 'bad input for flags.set: operator "carol" is not who is calling (tester); what you do is recorded under tester, so nothing was done' } });
    const overHttp = await callApi(served.server, 'flags.set', { flag: 'BATCH_SIZE', value: 20, reason: 'smaller', operator: 'carol' }, bearer());
    expect(overHttp.status).toBe(400);
    expect(overHttp.result).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID', message: expect.stringMatching(/^bad input for flags\.set: operator "carol" is not who is calling/) } });
    for (const operator of [5, null, '', 'x'.repeat(10_000)]) {
      const odd = await dispatch(handlers, 'rollback.events', { limit: 5, operator }, tester);
      expect(odd, JSON.stringify(operator).slice(0, 20)).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
      if (!odd.ok) expect(odd.error.message.length).toBeLessThan(300);
    }
    expect(await dispatch(handlers, 'flags.history', { flag: 'BATCH_SIZE' }, tester)).toEqual({ ok: true, data: [] });
    // The caller's own name, as scripts written when inputs named an operator send it, is still taken.
    expect(await dispatch(handlers, 'flags.set', { flag: 'BATCH_SIZE', value: 20, reason: 'smaller', operator: ' tester ' }, tester)).toMatchObject({ ok: true, data: { operator: 'tester' } });
  });
});
