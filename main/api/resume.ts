import { GatehouseError, isGatehouseError } from '../../shared/errors.js';
import type { ApiHandlers } from '../../shared/api.js';
import { noRunToResume, refuseUnresumable } from '../engine/index.js';
import type { Store } from '../store/index.js';
import { requireOperator } from './caller.js';
import type { EngineHost } from './engine-host.js';

/**
 * The console's Resume: the run carries on in the console's engine host, the path runs.start takes
 * (live batch events, the writer lock naming its operator), from the source it recorded — the same
 * spec `gatehouse update --resume N --source …` would be given. The engine refuses as it refuses the
 * CLI (a changed file, a window it cannot read, another writer); asked here first is only what the
 * engine would find out after opening the source: that the run is not one a resume takes.
 */
export function resumeHandlers(store: Store, engine: EngineHost): Pick<ApiHandlers, 'runs.resume'> {
  return {
    'runs.resume': async ({ runId }, caller) => {
      const operator = requireOperator(caller);
      const run = await store.getRun(runId);
      if (!run) throw await noRunToResume(store, runId);
      refuseUnresumable(store, run);
      const source = run.source ?? '';
      try {
        return await engine.start({ source, task: run.task ?? null, resumeRunId: runId, operator });
      } catch (error) {
        throw notReadableHere(runId, source, error);
      }
    },
  };
}

/**
 * A source only the CLI had — a file on another computer, or a relative path read from another
 * folder — is not this console's to read: said as such, with where the resume can still be done.
 */
function notReadableHere(runId: number, source: string, error: unknown): unknown {
  if (!isGatehouseError(error) || error.code !== 'SOURCE_UNREADABLE') return error;
  return new GatehouseError('SOURCE_UNREADABLE', `run ${runId} cannot be resumed from this console: it read ${source}, which this console cannot read (${error.message}); nothing was changed`, {
    hint: {
      cli: `resume it where that file can be read: gatehouse update --resume ${runId} --source '${source.replaceAll("'", "'\\''")}'`,
      console: 'resume it from a terminal on the computer that has the file, with the command shown on the run\'s page',
    },
  });
}
