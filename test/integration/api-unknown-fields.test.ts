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

  it('still lets a body name an operator, and records the caller the transport vouches for', async () => {
    const reply = await callApi(served.server, 'flags.set', { flag: 'BATCH_SIZE', value: 20, reason: 'smaller', operator: 'mallory' }, bearer());
    expect(reply.status).toBe(200);
    expect(reply.result).toMatchObject({ ok: true, data: { actor: expect.not.stringMatching(/mallory/) } });
  });
});
