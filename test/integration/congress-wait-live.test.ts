import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch, memoryPreferences, type EngineHost } from '../../main/api/index.js';
import { openStore, type Store } from '../../main/store/index.js';
import type { RunEvent, RunSummary, RunWait } from '../../shared/run.js';
import type { ActiveRun } from '../../shared/api.js';
import { tester } from '../helpers/callers.js';
import { FAKE_API_KEY, isDetailRequest, startFakeCongress, type FakeCongress } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';

/**
 * The Congress.gov client sat out a long Retry-After with a line on the terminal only: the console
 * showed a running run that read nothing, as a hung one looks. The wait now travels on the run's
 * events and in runs.active, and is cleared once the run asks again.
 */
describe('a run waiting on Congress.gov, as the console sees it', () => {
  const keyBefore = process.env.GATEHOUSE_CONGRESS_API_KEY;
  let fake: FakeCongress | undefined;
  let folder: string | undefined;
  let store: Store | undefined;
  let engine: EngineHost | undefined;
  afterEach(async () => {
    await engine?.close();
    await store?.close();
    await fake?.close();
    if (folder) fs.rmSync(folder, { recursive: true, force: true });
    if (keyBefore === undefined) delete process.env.GATEHOUSE_CONGRESS_API_KEY;
    else process.env.GATEHOUSE_CONGRESS_API_KEY = keyBefore;
  });

  /** A console on a fresh file whose engine tells waits from `waitWorthSayingMs` on, and a fake whose first detail answers 503 with `retryAfter`. */
  async function consoleWithBusyCongress(retryAfter: string, waitWorthSayingMs: number) {
    // The engine host opens the source on the real clock: the feed is dated from it.
    fake = await startFakeCongress({ house: [hearingRecord(771001, { updateDate: new Date(Date.now() - 3_600_000).toISOString() })] });
    let refused = false;
    fake.override = (request) => {
      if (!isDetailRequest(request) || refused) return undefined;
      refused = true;
      return { status: 503, headers: { 'Retry-After': retryAfter } };
    };
    process.env.GATEHOUSE_CONGRESS_API_KEY = FAKE_API_KEY;
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-wait-live-'));
    const location = path.join(folder, 'gatehouse.db');
    store = await openStore(location);
    engine = createInProcessEngineHost({ location, sourceOptions: { waitWorthSayingMs } });
    const api = createApi({ store, engine, transport: 'http', preferences: memoryPreferences({}) });
    const call = async <T>(method: 'runs.start' | 'runs.active', input: object): Promise<T> => {
      const result = await dispatch(api, method, input as never, tester);
      if (!result.ok) throw new Error(`${method} refused: ${result.error.message}`);
      return result.data as T;
    };
    return { engine, call, source: `congress:${fake.baseUrl}` };
  }

  it('says what the run waits for, until when and why, while Congress.gov\'s Retry-After holds it, and clears it when the run moves on', async () => {
    const { engine, call, source } = await consoleWithBusyCongress('2', 1_000);
    const waits: (RunWait | null)[] = [];
    let activeWhileWaiting: Promise<ActiveRun[]> | undefined;
    const finished = new Promise<RunSummary>((resolve) => {
      engine.subscribe((event: RunEvent) => {
        if (event.type === 'waiting') {
          waits.push(event.wait);
          // What a page opened now reads: the run as runs.active has it while the wait lasts.
          if (event.wait !== null) activeWhileWaiting = call<ActiveRun[]>('runs.active', {});
        }
        if (event.type === 'run-finished') resolve(event.summary);
      });
    });
    const startedAt = Date.now();
    const { runId } = await call<{ runId: number }>('runs.start', { source });
    const summary = await finished;

    expect(summary).toMatchObject({ runId, status: 'success', metrics: { fetched: 1, added: 1 } });
    expect(waits).toEqual([{ on: 'Congress.gov', until: expect.any(String), reason: 'asked', cause: 'HTTP 503' }, null]);
    const until = Date.parse(waits[0]!.until);
    expect(until).toBeGreaterThanOrEqual(startedAt + 2_000);
    const active = await activeWhileWaiting!;
    expect(active).toEqual([expect.objectContaining({ runId, wait: waits[0] })]);
    // Once the run has ended, nothing is left saying it waits.
    expect(await call<ActiveRun[]>('runs.active', {})).toEqual([]);
  });

  it('says nothing of a wait shorter than the one worth saying: a retry a second later is no hang', async () => {
    const { engine, call, source } = await consoleWithBusyCongress('1', 1_500);
    const events: RunEvent['type'][] = [];
    const finished = new Promise<RunSummary>((resolve) => {
      engine.subscribe((event: RunEvent) => {
        events.push(event.type);
        if (event.type === 'run-finished') resolve(event.summary);
      });
    });
    await call('runs.start', { source });
    expect(await finished).toMatchObject({ status: 'success', metrics: { fetched: 1 } });
    expect(events).not.toContain('waiting');
    expect(fake!.requests.filter(isDetailRequest)).toHaveLength(2);
  });
});
