import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { failure } from '../helpers/console-api.js';
import { runCli } from '../helpers/cli.js';

const backends = testBackends();
afterAll(async () => {
  for (const backend of backends) await backend.cleanup();
});

describe.each(backends)('trial options the console and the CLI refuse alike ($name)', (backend) => {
  it('refuses repeats without a sweep, as `gatehouse trial --repeat` without --sweep is refused, instead of running each kind once', () =>
    withFreshStore(backend, async (store) => {
      const engine = createInProcessEngineHost({ location: store.location });
      try {
        const api = createApi({ store, engine, transport: 'http' });
        const refused = failure(await dispatch(api, 'trials.run', { injections: [{ kind: 'spike' }], controls: 1, sweep: false, repeat: 3 }, tester));
        expect(refused).toMatchObject({ code: 'USAGE', message: 'repeat goes with a sweep: without one each chosen kind runs once (add it as many times as wanted)' });
        expect(await api['trials.job']({}, tester)).toBeNull();
        // The CLI says the same about the same request.
        const cli = runCli(['trial', '--db', store.location, '--staging', `${store.location}-nowhere.db`, '--inject', 'spike', '--repeat', '3']);
        expect(cli).toMatchObject({ code: 2, stderr: expect.stringContaining('--repeat goes with --sweep') });
      } finally {
        await engine.close();
      }
    }));
});
