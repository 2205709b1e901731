import { expect } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import { HEARTBEAT_EVERY_MS, STALE_LOCK_MS } from '../../main/engine/index.js';
import { openStore, type StagingLockTiming } from '../../main/store/index.js';
import type { ApiResult } from '../../shared/api.js';
import type { TrialJobView } from '../../shared/api-validation.js';
import type { ErrorPayload } from '../../shared/errors.js';
import type { TestBackend } from './backends.js';
import { tester } from './callers.js';
import { uniqueSchema, urlWithSchema } from './postgres.js';

/** A trial's staging lock as `gatehouse trial` takes it: the time now, the engine's heartbeat and stale window. */
export const TRIAL_LOCK_TIMING: StagingLockTiming = { clock: () => new Date(), staleAfterMs: STALE_LOCK_MS, heartbeatEveryMs: HEARTBEAT_EVERY_MS };

/** A staging target beside a test's source: a file in the same folder, or another schema of the same PostgreSQL database (pushed to `schemas` for dropping). */
export function trialStagingFor(backend: TestBackend, source: string, schemas: string[]): string {
  if (backend.name === 'sqlite') return source.replace(/\.db$/, '-staging.db');
  const schema = uniqueSchema('gh_trial_stg');
  schemas.push(schema);
  return urlWithSchema(schema);
}

/**
 * Starts a trial from the console's API over the database at `source` (its Staging target
 * `staging`) and waits for the job to fail; resolves with the error the Trials page shows.
 */
export async function consoleTrialRefusal(source: string, staging: string): Promise<ErrorPayload | null> {
  const store = await openStore(source);
  const engine = createInProcessEngineHost({ location: source });
  try {
    const api = createApi({ store, engine, transport: 'http', databaseLocation: source });
    const started = await dispatch(api, 'trials.run', { controls: 1, staging }, tester);
    if (!started.ok) throw new Error(`trials.run refused: ${started.error.message}`);
    const job = async () => (await dispatch(api, 'trials.job', { jobId: (started.data as TrialJobView).jobId }, tester)) as ApiResult<TrialJobView | null>;
    const failed = async () => {
      const read = await job();
      return read.ok && read.data?.status === 'failed' ? read.data : null;
    };
    await expect.poll(failed, { timeout: 30_000 }).not.toBeNull();
    return (await failed())!.error;
  } finally {
    await engine.close();
    await store.close();
  }
}
