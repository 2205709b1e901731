import fs from 'node:fs';
import { GatehouseError } from '../../shared/errors.js';
import { redactConnectionString } from '../../shared/redact.js';
import type { RunEvent } from '../../shared/run.js';
import { DatabaseGone, holdForGood, openStore, type Store, type StoreOptions } from '../store/index.js';

/** `--db` wins; otherwise GATEHOUSE_DB. */
export function databaseOption(db: string | undefined): string {
  const location = db ?? process.env.GATEHOUSE_DB;
  if (!location) throw new GatehouseError('USAGE', 'no database given: pass --db PATH|postgres://… or set GATEHOUSE_DB');
  return location;
}

/**
 * The fault-injection seam for tests that spawn the CLI: writes of the GATEHOUSE_FAIL_WRITES
 * eventIds throw as a database error would; the first write of GATEHOUSE_HANG_WRITE blocks the
 * process for good, holding it at a known point for a kill -9; the first of GATEHOUSE_PAUSE_WRITE pauses
 * it (pausedOnFifo) inside its batch's transaction; GATEHOUSE_LOCK_WAIT_MS shortens the
 * wait for another session's lock (StoreOptions.lockWaitMs). Only honoured with
 * GATEHOUSE_TEST_FAULTS=1 so it cannot be set by accident.
 */
export function storeOptionsFromEnvironment(): StoreOptions {
  if (process.env.GATEHOUSE_TEST_FAULTS !== '1') return {};
  const ids = new Set((process.env.GATEHOUSE_FAIL_WRITES ?? '').split(',').filter(Boolean));
  const hangAt = process.env.GATEHOUSE_HANG_WRITE;
  let pauseAt = process.env.GATEHOUSE_PAUSE_WRITE;
  return {
    ...lockWaitFromEnvironment(),
    failWriteOf: (eventId) => {
      if (eventId === hangAt) holdForGood(`the write of ${eventId}`);
      if (eventId === pauseAt) {
        pauseAt = undefined;
        pausedOnFifo(`the write of ${eventId}`);
      }
      return ids.has(eventId);
    },
  };
}

/** The seam's GATEHOUSE_LOCK_WAIT_MS alone: every command's wait for another writer, shortened for tests. */
function lockWaitFromEnvironment(): StoreOptions {
  if (process.env.GATEHOUSE_TEST_FAULTS !== '1') return {};
  const lockWaitMs = Number(process.env.GATEHOUSE_LOCK_WAIT_MS);
  return Number.isInteger(lockWaitMs) && lockWaitMs > 0 ? { lockWaitMs } : {};
}

/**
 * Test seam (GATEHOUSE_TEST_FAULTS=1, GATEHOUSE_PAUSE_AFTER_RUN_CREATED=1): once an update's run row
 * is created, or a resumed one reopened, the run waits, having said so on stderr, until the process
 * gets SIGUSR2 — the moment its row is `running` and nothing of the run is written yet, held for a
 * test to make the database busy in.
 */
export function pausingAfterRunCreated(store: Store): void {
  if (process.env.GATEHOUSE_TEST_FAULTS !== '1' || process.env.GATEHOUSE_PAUSE_AFTER_RUN_CREATED !== '1') return;
  const createRun = store.createRun.bind(store);
  const reopenRun = store.reopenRun.bind(store);
  store.createRun = async (run) => {
    const runId = await createRun(run);
    await pausedUntilSignalled(`creating run ${runId}`);
    return runId;
  };
  store.reopenRun = async (runId, owner, committedBatches) => {
    await reopenRun(runId, owner, committedBatches);
    await pausedUntilSignalled(`reopening run ${runId}`);
  };
}

function pausedUntilSignalled(after: string): Promise<void> {
  return new Promise<void>((resolve) => {
    // A signal's listener does not keep the process alive: the timer does, until the signal comes.
    const alive = setInterval(() => {}, 60_000);
    process.once('SIGUSR2', () => {
      clearInterval(alive);
      resolve();
    });
    process.stderr.write(`test seam: paused after ${after}\n`);
  });
}

/**
 * Test seam (GATEHOUSE_TEST_FAULTS=1, GATEHOUSE_PAUSE_FIFO=PATH): the run says `test seam: paused at
 * WHERE` on stderr and blocks until it reads the named pipe PATH to its end (a test writes a line to
 * it) — held at a known point for a test to change the database's files in, then let go on. A
 * blocking read, not a signal: both points are synchronous (a run's event, a record's write), with
 * no await to pause at. Where: GATEHOUSE_PAUSE_AFTER_OPEN=1 once an update's, or another command's (withStore), database is open (pausingAfterOpen);
 * GATEHOUSE_PAUSE_AFTER_BATCH=N once an update's batch N has committed,
 * before the next is planned or its flag kills read (pausingAfterBatch); GATEHOUSE_PAUSE_WRITE=EVENTID
 * as that record is written, inside its batch's transaction (storeOptionsFromEnvironment).
 */
function pausedOnFifo(where: string): void {
  const fifo = process.env.GATEHOUSE_PAUSE_FIFO;
  if (!fifo) throw new GatehouseError('INTERNAL', `test seam: GATEHOUSE_PAUSE_FIFO is needed to pause at ${where}`);
  process.stderr.write(`test seam: paused at ${where}\n`);
  fs.readFileSync(fifo);
}

/**
 * The GATEHOUSE_PAUSE_AFTER_OPEN=1 seam (pausedOnFifo): an update holds once its database is open,
 * before anything of the run reads or writes it (the integrity check, the writer lock, the snapshot);
 * another command (withStore: a restore, a rollback, a flag change) before its own work begins.
 */
export function pausingAfterOpen(): void {
  if (process.env.GATEHOUSE_TEST_FAULTS === '1' && process.env.GATEHOUSE_PAUSE_AFTER_OPEN === '1') pausedOnFifo('the database opened');
}

/** The GATEHOUSE_PAUSE_AFTER_BATCH seam (pausedOnFifo): an update's event listener, which does nothing without it. */
export function pausingAfterBatch(): (event: RunEvent) => void {
  const batch = process.env.GATEHOUSE_TEST_FAULTS === '1' ? Number(process.env.GATEHOUSE_PAUSE_AFTER_BATCH) : NaN;
  if (!Number.isInteger(batch)) return () => {};
  return (event) => {
    if (event.type === 'batch-finished' && event.batch.seq === batch) pausedOnFifo(`batch ${batch} committed`);
  };
}

/**
 * How a command that opens several stores opens them (a trial: its staging copy being built, then
 * staging), with the seam's options and pause (pausingAfterRunCreated: a trial's runs); GATEHOUSE_HANG_OPEN=SUFFIX
 * also holds the process for good as it opens a location ending in SUFFIX, once it has said so on
 * stderr: a kill -9 at a known step.
 */
export function storeOpenerFromEnvironment(): (location: string) => Promise<Store> {
  const options = storeOptionsFromEnvironment();
  const hangAt = process.env.GATEHOUSE_TEST_FAULTS === '1' ? process.env.GATEHOUSE_HANG_OPEN : undefined;
  return async (location) => {
    if (hangAt && location.endsWith(hangAt)) {
      holdForGood(`the open of ${redactConnectionString(location)}`);
    }
    const store = await openStore(location, options);
    pausingAfterRunCreated(store);
    return store;
  };
}

/**
 * Opens the store `--db` (or GATEHOUSE_DB) names, which must be there already: only `update`,
 * `serve` and `tasks add` (a schedule set up before the first run) may start a database, so a
 * mistyped path elsewhere is refused instead of answering from, or writing to, a new empty store.
 */
export async function openExistingStore(db: string | undefined, options: StoreOptions = {}): Promise<Store> {
  const store = await openStore(databaseOption(db), { mustExist: true, ...lockWaitFromEnvironment(), ...options });
  holdingAtSnapshotRemoval(store);
  return store;
}

/**
 * Test seam (GATEHOUSE_TEST_FAULTS=1, GATEHOUSE_HANG_SNAPSHOT_REMOVE=1): a snapshot deletion (or an
 * update's retention prune) holds for good as it is about to remove the copy — its attempt started,
 * the writer lock held — once it has said so on stderr: a kill -9 mid-deletion at a known step.
 */
export function holdingAtSnapshotRemoval(store: Store): void {
  if (process.env.GATEHOUSE_TEST_FAULTS !== '1' || process.env.GATEHOUSE_HANG_SNAPSHOT_REMOVE !== '1') return;
  store.snapshots.remove = (snapshot) => {
    holdForGood(`the removal of snapshot ${snapshot.id}`);
    return Promise.resolve();
  };
}

/**
 * Opens the store as openExistingStore does, runs `work`, and closes it whatever happens: the
 * boundary of every command but update's, where a write the database refused (its environment, or
 * another writer's transaction: busyWriteRefusal) becomes the one clear error.
 */
export async function withStore<T>(db: string | undefined, work: (store: Store) => Promise<T>, options: StoreOptions = {}): Promise<T> {
  const store = await openExistingStore(db, options);
  // A restore, rollback or flag change into a file deleted, moved or made immutable under it reported success into a file no one reads, or ended with SIGBUS.
  store.refuseWritesOnceGone();
  try {
    pausingAfterOpen();
    return await work(store);
  } catch (error) {
    // A restore or rollback has no interrupted run to resume: the command is asked again once its file is back.
    if (error instanceof DatabaseGone) throw error.forCommand();
    // Loaded only on this path: a read-only command should not compile the engine to start (bench/cli-start.ts).
    const { busyWriteRefusal, environmentFailure } = await import('../engine/index.js');
    throw await busyWriteRefusal(store, environmentFailure(store, error));
  } finally {
    await store.close();
  }
}

