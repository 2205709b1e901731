import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import { runUpdate } from '../../main/engine/index.js';
import type { RunDetailView } from '../../shared/api.js';
import { testBackends } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * An interrupted run's reason ended "— resume with --resume N" on the console's run page too,
 * where no such flag can be typed and the page gives the whole terminal command beside it. The
 * console reads words that fit it; the command line keeps its command.
 */
describe.each(testBackends())('an interrupted run\'s reason, as each surface reads it ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('tells the console the run can be resumed, and the command line how', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    try {
      const controller = new AbortController();
      const stopped = await runUpdate({ store, source: arraySource(hearingRecords(6, 700000)), batchSize: 2, signal: controller.signal, onEvent: (event) => event.type === 'batch-finished' && controller.abort('by the test') });
      expect(stopped.status).toBe('interrupted');
      expect(stopped.error).toMatch(new RegExp(`— resume with --resume ${stopped.runId}$`));

      const api = createApi({ store, engine, transport: 'http' });
      const shown = await dispatch(api, 'runs.get', { runId: stopped.runId }, tester);
      expect(shown).toMatchObject({ ok: true });
      const onConsole = (shown as { data: RunDetailView }).data;
      expect(onConsole.error).toBe(`${stopped.error!.slice(0, -`— resume with --resume ${stopped.runId}`.length)}— it can be resumed`);
      expect(onConsole.error).not.toMatch(/--resume/);
      expect(onConsole.resumable).toBe(true);

      const cli = runCli(['runs', 'show', String(stopped.runId), '--db', location, '--json']);
      expect(cli.code, cli.stderr).toBe(0);
      expect((JSON.parse(cli.stdout) as RunDetailView).error).toBe(stopped.error);
    } finally {
      await engine.close();
      await store.close();
    }
  });
});
