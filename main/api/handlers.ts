import fs from 'node:fs';
import path from 'node:path';
import { GatehouseError } from '../../shared/errors.js';
import type { ApiHandlers, HistoryPoint } from '../../shared/api.js';
import { effectiveStatus, RUN_STATUSES, withStatusReasons, type RunSummary } from '../../shared/run.js';
import { isPostgresUrl, openStore, type Store } from '../store/index.js';
import { runDetail, withBusyWriteRefusals } from '../engine/index.js';
import { withTaskResume } from '../scheduler/index.js';
import { withRollbackRefusals } from '../backup/index.js';
import { redactConnectionString } from '../../shared/redact.js';
import type { EngineHost } from './engine-host.js';
import { historyHandlers } from './history.js';
import { consoleNotifier, type ConsoleNotifications } from './notifications.js';
import { operationsHandlers } from './operations.js';
import { requireOperator, sessionHandlers, stopRequestedBy } from './caller.js';
import { resumeHandlers } from './resume.js';
import { rolloutHandlers } from './rollouts.js';
import { sensitivityHandlers } from './sensitivity.js';
import { sourceHandlers } from './sources.js';
import { uploadHandlers } from './uploads.js';
import { buildOverview } from './overview.js';
import { memoryPreferences, type ConsolePreferences } from './preferences.js';
import { defaultLedgerRates, trialHandlers } from './trials.js';
import { undoHandlers } from './undo.js';
import { answeringWhileNotAllThere, restoreOnlyRefusal } from './console-store.js';
import { validationHandlers } from './validation.js';
import { requireKnownTask } from '../validation/index.js';

export interface ApiContext {
  /** The console's database, opened for reading; runs write through the engine host. */
  store: Store;
  engine: EngineHost;
  transport: 'ipc' | 'http';
  /** Webhook, Congress.gov key, saved database; in memory unless the shell gives its own. */
  preferences?: ConsolePreferences;
  notifications?: ConsoleNotifications;
  /**
   * The database location with its credentials, which trials copy to staging; store.location has
   * any password removed, so a PostgreSQL console must pass it. Defaults to store.location.
   */
  databaseLocation?: string;
  /** Where uploaded record files are kept; by default an `uploads` folder beside the SQLite database. */
  uploadsFolder?: string;
}

/** Only these runs train the historical validator; rolled-back ones never do (DESIGN §4). */
const TRAINING_STATUSES: ReadonlySet<string> = new Set(['success', 'partial']);
const FINISHED_STATUSES = RUN_STATUSES.filter((status) => status !== 'running');

/**
 * The one implementation of the API table; IPC and HTTP both dispatch into it. A write that meets
 * another writer's transaction (SQLite's busy timeout, PostgreSQL's lock_timeout) is refused
 * LOCK_HELD naming it, and a write the environment refused (a full disk, a read-only file) is
 * DB_NOT_WRITABLE (withBusyWriteRefusals), whichever handler made it.
 */
export function createApi(context: ApiContext): ApiHandlers {
  const { store, engine } = context;
  const preferences = context.preferences ?? memoryPreferences();
  const notifier = () => consoleNotifier(store, preferences, context.notifications ?? {});
  const source = context.databaseLocation ?? store.location;
  return answeringWhileNotAllThere(store, withBusyWriteRefusals(store, {
    ...operationsHandlers(context, preferences),
    ...undoHandlers(store, engine, notifier),
    ...validationHandlers(store, engine),
    ...sensitivityHandlers(store, source),
    ...historyHandlers(store),
    ...trialHandlers(store, source, engine),
    ...sessionHandlers(),
    ...rolloutHandlers(store),
    ...sourceHandlers(store, preferences),
    ...uploadHandlers(store, context.uploadsFolder),
    ...resumeHandlers(store, engine),
    'runs.list': async (query) => {
      if (query.task) await requireKnownTask(store, query.task);
      return (await store.listRuns(query)).map(withStatusReasons);
    },
    'runs.get': async ({ runId }) => withStatusReasons(await withTaskResume(store, await withRollbackRefusals(store, await runDetail(store, runId, 'console'), 'console'))),
    'runs.active': async () => engine.active(),
    'runs.tasks': () => store.reports.taskNames(),
    // A first run under a new task name is how that task's history begins, so runs.start takes any name; filters refuse unknown ones.
    'runs.start': async (input, caller) => engine.start({ ...input, operator: requireOperator(caller) }),
    'runs.cancel': async ({ runId }, caller) => ({ cancelled: await engine.cancel(runId, stopRequestedBy(caller)) }),
    'quarantine.list': (query) => store.listQuarantine(query),
    'history.metrics': async ({ limit, after, task }) => {
      if (task) await requireKnownTask(store, task);
      const runs = await store.listRuns({ limit, after, task, status: FINISHED_STATUSES });
      return runs.map(historyPoint).sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.runId - b.runId);
    },
    'overview.get': async ({ windowDays }) => buildOverview(store, engine, windowDays, await defaultLedgerRates(source)),
    'settings.get': async () => ({
      database: { backend: store.backend, location: store.location },
      engine: engine.kind,
      transport: context.transport,
    }),
    'settings.testConnection': ({ location }) => testConnection(location),
  } satisfies ApiHandlers));
}

function historyPoint(run: RunSummary): HistoryPoint {
  return {
    runId: run.runId,
    startedAt: run.startedAt,
    status: effectiveStatus(run),
    task: run.task ?? null,
    metrics: run.metrics,
    verdict: run.validation?.verdict ?? null,
    anomalies: run.validation?.anomalies ?? [],
    // A run support rolled back in part leaves it too (trainingRunFilter): its metrics stand, its batches do not.
    inTrainingHistory: TRAINING_STATUSES.has(run.status) && (run.batches.rolledBack ?? 0) === 0,
  };
}

/** Opens a database location and reports what is there, without creating a SQLite file. */
async function testConnection(location: string): Promise<{ backend: string; location: string; hearings: number }> {
  if (!isPostgresUrl(location) && !fs.existsSync(path.resolve(location))) {
    throw new GatehouseError('NOT_FOUND', `no database file at ${location}`, { hint: 'give the path of an existing Gatehouse SQLite file or a postgres:// URL' });
  }
  let store: Store;
  try {
    // Opened as a console would open it: one not all there is refused for the damage, offering the restore-only mode.
    store = await openStore(location, { forRestore: true });
  } catch (error) {
    if (error instanceof GatehouseError) throw new GatehouseError(error.code, redactConnectionString(error.message), error.hints === undefined ? {} : { hint: error.hints });
    throw new GatehouseError('DB_UNREACHABLE', `cannot open ${redactConnectionString(location)}`);
  }
  try {
    const refusal = restoreOnlyRefusal(store, redactConnectionString);
    if (refusal !== null) throw refusal;
    return { backend: store.backend, location: store.location, hearings: await store.countHearings() };
  } finally {
    await store.close();
  }
}
