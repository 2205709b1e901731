import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineHost, RunningServer } from '../../main/api/index.js';
import type { Store } from '../../main/store/index.js';
import type { RunEvent, RunSummary } from '../../shared/run.js';
import { testBackends } from '../helpers/backends.js';
import { callApi, data, openEventStream, servedPerTest, signIn } from '../helpers/console-http.js';
import { hearingRecords } from '../helpers/records.js';

/**
 * The console resumes an interrupted run where it shows it (runs.resume): in its own engine host,
 * from the source the run recorded, with live batch events, the writer lock naming its operator, and
 * the refusals `gatehouse update --resume` gives worded for the console.
 */
const LONG_SOURCE = 'synthetic:seed=5,count=3000';

interface Served {
  server: RunningServer;
  engine: EngineHost;
  store: Store;
}

/** The summary of run `runId`'s next end (the first one after this is called). */
function nextEnd(engine: EngineHost, runId: () => number | null): Promise<RunSummary> {
  return new Promise((resolve) => {
    const stop = engine.subscribe((event: RunEvent) => {
      if (event.type === 'run-finished' && event.runId === runId()) {
        stop();
        resolve(event.summary);
      }
    });
  });
}

/** Waits until no writer holds the lock: run-finished comes just before the engine lets go of it. */
async function lockFree(store: Store): Promise<void> {
  await expect.poll(async () => {
    const attempt = await store.acquireWriterLock({ runId: null, pid: process.pid, host: os.hostname() }, { now: new Date(), staleAfterMs: 60_000 });
    if (attempt.acquired) await store.releaseWriterLock();
    return attempt.acquired;
  }).toBe(true);
}

/** Starts a run from the console and stops it as its first batch commits: an interrupted run with a checkpoint. */
/** Ada's run over a file of 3,000 records in `folder`, stopped after its first batch. */
async function interruptedFileRun(served: Served, folder: string): Promise<{ file: string; cookie: string; runId: number }> {
  const file = path.join(folder, 'hearings.ndjson');
  fs.writeFileSync(file, hearingRecords(3000).map((record) => JSON.stringify(record)).join('\n') + '\n');
  const cookie = await namedSession(served.server, 'Ada');
  const { runId } = await interruptedRun(served, cookie, `file:${file}`);
  return { file, cookie, runId };
}

async function interruptedRun(served: Served, cookie: string, source: string): Promise<RunSummary> {
  let runId: number | null = null;
  let stopAsked = false;
  const stop = served.engine.subscribe((event: RunEvent) => {
    if (event.type === 'batch-finished' && event.runId === runId && !stopAsked) {
      stopAsked = true;
      void data(served.server, 'runs.cancel', { runId }, cookie);
    }
  });
  try {
    const ended = nextEnd(served.engine, () => runId);
    ({ runId } = await data<{ runId: number }>(served.server, 'runs.start', { source, batchSize: 10, mode: 'batch' }, cookie));
    const summary = await ended;
    expect(summary).toMatchObject({ status: 'interrupted' });
    expect(summary.metrics.fetched).toBeLessThan(3000);
    await lockFree(served.store);
    return summary;
  } finally {
    stop();
  }
}

async function namedSession(server: RunningServer, name: string): Promise<string> {
  const cookie = await signIn(server);
  await data(server, 'session.name', { name }, cookie);
  return cookie;
}

function refusal(reply: { result: unknown }): { code: string; message: string; hint?: string } {
  const result = reply.result as { ok: boolean; error?: { code: string; message: string; hint?: string } };
  expect(result.ok).toBe(false);
  return result.error!;
}

describe.each(testBackends())('resuming an interrupted run from the console ($name)', (backend) => {
  const served = servedPerTest(backend);

  it('carries the run on to success in the console engine, streaming its batches, holding the lock in the operator\'s name, writing nothing twice', async () => {
    const cookie = await namedSession(served.server, 'Ada');
    const interrupted = await interruptedRun(served, cookie, LONG_SOURCE);
    const runId = interrupted.runId;
    expect(await data(served.server, 'runs.get', { runId }, cookie)).toMatchObject({ status: 'interrupted', resumable: true });

    const stream = openEventStream(served.server, cookie);
    try {
      await stream.ready;
      let lockRefusal: Promise<{ result: unknown }> | null = null;
      const stop = served.engine.subscribe((event) => {
        // While the resumed run writes, another start meets its lock, which names who resumed it.
        if (event.type === 'batch-finished' && event.runId === runId && lockRefusal === null) lockRefusal = callApi(served.server, 'runs.start', { source: 'synthetic:seed=9,count=5' }, cookie);
      });
      const ended = nextEnd(served.engine, () => runId);
      expect(await data(served.server, 'runs.resume', { runId }, cookie)).toEqual({ runId });
      const summary = await ended;
      stop();

      expect(summary).toMatchObject({ runId, status: 'success' });
      expect(summary.metrics).toMatchObject({ fetched: 3000 });
      expect(summary.metrics.added + summary.metrics.quarantined).toBe(3000);
      expect(await served.store.countHearings()).toBe(summary.metrics.added);
      expect(await data(served.server, 'runs.get', { runId }, cookie)).toMatchObject({ status: 'success', resumable: false });

      expect(lockRefusal).not.toBeNull();
      const refused = refusal(await lockRefusal!);
      expect(refused.code).toBe('LOCK_HELD');
      expect(refused.message).toContain(`an update (run ${runId}) started by Ada`);

      // The browser hears the resumed run as it hears any run it started: its start, its batches, its end.
      await expect.poll(() => stream.frames.filter((frame) => (frame.data as { runId?: number }).runId === runId).map((frame) => (frame.data as RunEvent).type)).toContain('run-finished');
      const types = stream.frames.filter((frame) => (frame.data as { runId?: number }).runId === runId).map((frame) => (frame.data as RunEvent).type);
      expect(types[0]).toBe('run-started');
      expect(types).toContain('batch-finished');
    } finally {
      stream.stop();
    }
  }, 120_000);

  it('refuses a run that is not interrupted, one that does not exist, and a bad run id, saying which', async () => {
    const cookie = await namedSession(served.server, 'Ada');
    const ended = nextEnd(served.engine, () => 1);
    await data(served.server, 'runs.start', { source: 'synthetic:seed=3,count=20' }, cookie);
    await ended;
    await lockFree(served.store);

    const done = refusal(await callApi(served.server, 'runs.resume', { runId: 1 }, cookie));
    expect(done).toMatchObject({ code: 'CONFLICT', message: 'run 1 is success; only an interrupted run can be resumed (or one that failed on a lost connection)' });
    expect(refusal(await callApi(served.server, 'runs.resume', { runId: 99 }, cookie))).toMatchObject({ code: 'NOT_FOUND', message: 'run 99 does not exist' });
    const bad = refusal(await callApi(served.server, 'runs.resume', { runId: 'one' }, cookie));
    expect(bad.code).toBe('INPUT_INVALID');
    expect(bad.message).toMatch(/runs\.resume.*runId/);
    expect(await served.store.getRun(1)).toMatchObject({ status: 'success' });
  }, 60_000);

  it('a browser session that has not named its operator resumes nothing', async () => {
    const ada = await namedSession(served.server, 'Ada');
    const { runId } = await interruptedRun(served, ada, LONG_SOURCE);
    const unnamed = refusal(await callApi(served.server, 'runs.resume', { runId }, await signIn(served.server)));
    expect(unnamed.code).toBe('USAGE');
    expect(unnamed.message).toContain('has not named its operator');
    expect(await served.store.getRun(runId)).toMatchObject({ status: 'interrupted' });
  }, 60_000);

  it('refuses while another writer holds the lock, naming it, and leaves the run interrupted', async () => {
    const cookie = await namedSession(served.server, 'Ada');
    const { runId } = await interruptedRun(served, cookie, LONG_SOURCE);
    const held = await served.store.acquireWriterLock({ runId: null, pid: process.pid, host: os.hostname(), operator: 'Bo', operation: 'a rollback of run 7' }, { now: new Date(), staleAfterMs: 60_000 });
    expect(held.acquired).toBe(true);
    try {
      const refused = refusal(await callApi(served.server, 'runs.resume', { runId }, cookie));
      expect(refused.code).toBe('LOCK_HELD');
      expect(refused.message).toContain('a rollback of run 7 by Bo holds');
    } finally {
      await served.store.releaseWriterLock();
    }
    expect(await served.store.getRun(runId)).toMatchObject({ status: 'interrupted' });
  }, 60_000);

  it('refuses a file changed since the run read it, pointing to Start run, not to a command-line flag', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-resume-'));
    try {
      const { file, cookie, runId } = await interruptedFileRun(served, folder);
      fs.appendFileSync(file, JSON.stringify(hearingRecords(1, 900000)[0]) + '\n');
      const refused = refusal(await callApi(served.server, 'runs.resume', { runId }, cookie));
      expect(refused.code).toBe('CONFLICT');
      expect(refused.message).toContain(`run ${runId} cannot be resumed: file:${file} changed since the run started`);
      expect(refused.hint).toContain(`start a new run of file:${file} with Start run on the Runs page instead`);
      expect(refused.hint).not.toContain('--');
      expect(await served.store.getRun(runId)).toMatchObject({ status: 'interrupted' });
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  }, 60_000);

  it('says when the console cannot read the file the run read, and that the terminal can still resume it', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-resume-'));
    try {
      const { file, cookie, runId } = await interruptedFileRun(served, folder);
      fs.rmSync(file);
      const refused = refusal(await callApi(served.server, 'runs.resume', { runId }, cookie));
      expect(refused).toMatchObject({
        code: 'SOURCE_UNREADABLE',
        message: `run ${runId} cannot be resumed from this console: it read file:${file}, which this console cannot read (cannot read ${file}: not found); nothing was changed`,
        hint: 'resume it from a terminal on the computer that has the file, with the command shown on the run\'s page',
      });
      expect(await served.store.getRun(runId)).toMatchObject({ status: 'interrupted' });
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  }, 60_000);
});
