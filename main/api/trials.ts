import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GatehouseError, toErrorPayload } from '../../shared/errors.js';
import type { ApiHandlers, Overview } from '../../shared/api.js';
import type { TrialJobView, TrialResultView } from '../../shared/api-validation.js';
import { buildReport, ledgerTrials, renderHtml, renderMarkdown, reportPeriod } from '../reports/index.js';
import { checkStagingCopyAllowed, isPostgresUrl, type Store } from '../store/index.js';
import { checkedStagingTarget, DEFAULT_RECORD_FRACTION, magnitudeMeaning, withStagingLedger as withLedger, RECORD_ANOMALY_KINDS, sessionEnd, stagingLabel, sweepSpecs, stagingTargetFor, summariseTrials, trialSpecOf, type RecordAnomalyKind, type TrialResult, type TrialSpec } from '../trials/index.js';
import { requireKnownTask, RUN_ANOMALY_KINDS, RUN_ANOMALY_MAGNITUDES, sensitivityInForce } from '../validation/index.js';
import { environmentFailure } from '../engine/index.js';
import { requireOperator } from './caller.js';
import type { EngineHost } from './engine-host.js';

type TrialHandlers = Pick<ApiHandlers, 'trials.kinds' | 'trials.run' | 'trials.job' | 'trials.list' | 'trials.summary' | 'reports.trial'>;

/** Jobs kept for the console to read back after they finish; older ones are forgotten. */
const KEPT_JOBS = 20;

/**
 * Staging trials from the console, through main/trials only. `source` is the console's database
 * (never written: runTrials copies it first); every trial and the ledger live in the staging target.
 * Trials take seconds each, so they run as background jobs the view polls; one at a time, since
 * two jobs would copy over the same staging target.
 */
export function trialHandlers(store: Store, source: string, engine: EngineHost): TrialHandlers {
  const jobs = new Map<string, TrialJobView>();
  let latest: string | null = null;

  function start(staging: string, operator: string, request: { injections: TrialSpec[]; controls: number; seedHistoryDays: number; task: string | null }, sensitivityVersion: number | null): TrialJobView {
    const job: TrialJobView = {
      jobId: randomUUID(), startedBy: operator, status: 'running', staging: stagingLabel(staging), phase: 'queued', done: 0, total: request.injections.length + request.controls,
      startedAt: new Date().toISOString(), finishedAt: null, error: null, historyNote: null, task: request.task, sensitivityVersion, trials: [], summary: null, ledger: null, settledSessions: [], copiedRunning: [],
    };
    jobs.set(job.jobId, job);
    latest = job.jobId;
    while (jobs.size > KEPT_JOBS) jobs.delete(jobs.keys().next().value!);
    // In the engine worker: copying the database and running real updates must not block requests.
    void engine.perform({ kind: 'trials', operator, trial: { ...request, source, staging } }, (progress) => {
      Object.assign(job, { phase: progress.phase, done: progress.done, total: progress.total ?? job.total });
      if (progress.latest) job.trials = [...job.trials, resultView(progress.latest)];
      // Shown while the trials run, as soon as the copy is taken; the outcome says them again, the same.
      if (progress.copied) Object.assign(job, { settledSessions: progress.copied.settledSessions, copiedRunning: progress.copied.copiedRunning });
    }).then(
      (outcome) => Object.assign(job, {
        status: 'done', phase: 'finished', finishedAt: new Date().toISOString(), historyNote: outcome.historyNote, sensitivityVersion: outcome.sensitivityVersion, summary: outcome.summary, ledger: outcome.ledger,
        settledSessions: outcome.settledSessions, copiedRunning: outcome.copiedRunning,
      }),
      // A session the console's shutdown stopped ends `stopped`, as its attempt row and `gatehouse trial` say.
      (error: unknown) => Object.assign(job, { status: sessionEnd(error), phase: 'finished', finishedAt: new Date().toISOString(), error: toErrorPayload(error, 'console') }),
    );
    return { ...job };
  }

  return {
    'trials.kinds': async () => ({
      kinds: [
        ...RUN_ANOMALY_KINDS.map((kind) => ({ kind, level: 'run' as const, defaultMagnitude: RUN_ANOMALY_MAGNITUDES[kind].default, meaning: magnitudeMeaning(kind) })),
        ...(Object.keys(RECORD_ANOMALY_KINDS) as RecordAnomalyKind[]).map((kind) => ({ kind, level: 'record' as const, defaultMagnitude: DEFAULT_RECORD_FRACTION, meaning: magnitudeMeaning(kind) })),
      ],
      defaultStaging: stagingLabel(stagingTargetFor(source)),
      backend: isPostgresUrl(source) ? 'postgres' : 'sqlite',
    }),
    'trials.run': async ({ injections, controls, seedHistoryDays, sweep, repeat, staging, task }, caller) => {
      const operator = requireOperator(caller);
      // Everything that can be refused is refused here, before the job starts: an unknown kind, a
      // bad magnitude, repeats without a sweep (as the CLI refuses them), a staging target that is the source.
      if (!sweep && repeat !== 1) throw new GatehouseError('USAGE', 'repeat goes with a sweep: without one each chosen kind runs once (add it as many times as wanted)');
      const specs = sweep
        ? sweepSpecs(injections.map(({ kind }) => kind), repeat)
        : injections.map(({ kind, magnitude }) => trialSpecOf(kind, magnitude));
      if (specs.length === 0 && controls === 0) throw new GatehouseError('USAGE', 'nothing to try: choose an anomaly kind or at least one control run');
      const target = checkedStagingTarget(source, staging);
      if ([...jobs.values()].some((job) => job.status === 'running')) {
        throw new GatehouseError('CONFLICT', 'a trial is already running; wait for it to finish', { hint: 'its progress is on the Trials page' });
      }
      // A team role without CREATE on the database: the grant it lacks, before a job is started (and would fail as it begins).
      await checkStagingCopyAllowed(target);
      // The copy judges with the version it carries (the job takes that from the outcome); this is the version in force now.
      const asTask = task ?? null;
      const sensitivityVersion = asTask === null ? null : await versionInForce(store, asTask);
      return start(target, operator, { injections: specs, controls, seedHistoryDays, task: asTask }, sensitivityVersion);
    },
    'trials.job': async ({ jobId }) => {
      const id = jobId ?? latest;
      if (id === null) return null;
      const job = jobs.get(id);
      if (!job) throw new GatehouseError('NOT_FOUND', `no trial job ${id}`);
      return { ...job };
    },
    'trials.list': async ({ staging, limit, after, since, task }) => {
      // The period and task trials.summary reads, so the list shows the trials its rates count.
      if (task) await requireKnownTask(store, task);
      const period = reportPeriod(since, new Date());
      const target = stagingTargetFor(source, staging);
      const trials = await withLedger(target, (ledger) => namingLedger(ledger, ledger.trials.latest({ limit, after }, { since: period.since, task: task ?? undefined })));
      return { staging: stagingLabel(target), trials: trials ?? [] };
    },
    'trials.summary': async ({ staging, task, since }) => {
      // A mistyped task is NOT_FOUND naming the known ones, as in `gatehouse report trial --task`, not an empty summary.
      if (task) await requireKnownTask(store, task);
      // The period `gatehouse report trial --since` and reports.trial read: a bad `since` is the same USAGE error.
      const period = reportPeriod(since, new Date());
      const target = stagingTargetFor(source, staging);
      const trials = await withLedger(target, (ledger) => namingLedger(ledger, ledger.trials.list({ task: task ?? undefined, since: period.since, until: period.until })));
      return { staging: stagingLabel(target), ...summariseTrials(trials ?? []) };
    },
    'reports.trial': async ({ staging, task, since, format, savePath }) => {
      const target = stagingTargetFor(source, staging);
      const request = { kind: 'trial' as const, task: task ?? undefined, since };
      const built = await withLedger(target, (ledger) => buildReport(store, { ...request, trialReader: (_store, filter) => ledgerTrials(ledger, filter) }));
      const document = built?.document ?? (await buildReport(store, { ...request, trialReader: async () => null })).document;
      const text = format === 'html' ? renderHtml(document) : renderMarkdown(document);
      const savedTo = savePath === undefined ? null : saveReport(savePath, format, text, [source, target]);
      return { format, headline: document.headline, text, savedTo };
    },
  };
}

/** A read of the staging ledger that its store refuses is said naming the staging target, not the console's database (which the handlers' own wrapping names). */
function namingLedger<T>(ledger: Store, read: Promise<T>): Promise<T> {
  return read.catch((error: unknown) => Promise.reject(environmentFailure(ledger, error)));
}

/** A task's sensitivity version in force (null: the defaults); an unknown task is refused before any trial starts. */
async function versionInForce(store: Store, task: string): Promise<number | null> {
  await requireKnownTask(store, task);
  return (await sensitivityInForce(store, task)).version?.version ?? null;
}

/** The Overview's trial card: the default staging target's ledger, or null before any trial. */
export async function defaultLedgerRates(source: string): Promise<Overview['trials']> {
  const trials = await withLedger(stagingTargetFor(source), (ledger) => ledger.trials.list()).catch(() => null);
  if (!trials || trials.length === 0) return null;
  const { byKind: _byKind, byMagnitude: _byMagnitude, notJudgedCauses: _notJudgedCauses, ...rates } = summariseTrials(trials);
  return rates;
}


function saveReport(savePath: string, format: 'md' | 'html', text: string, databases: string[]): string {
  const file = path.resolve(savePath);
  if (!path.isAbsolute(savePath)) throw new GatehouseError('USAGE', `save the report to an absolute path, got "${savePath}"`);
  const wanted = format === 'html' ? /\.html?$/i : /\.md$/i;
  if (!wanted.test(file)) throw new GatehouseError('USAGE', `a ${format === 'html' ? 'HTML' : 'Markdown'} report is saved as ${format === 'html' ? '.html' : '.md'}, got ${path.basename(file)}`);
  if (!fs.existsSync(path.dirname(file))) throw new GatehouseError('USAGE', `folder ${path.dirname(file)} does not exist`);
  if (databases.some((db) => !isPostgresUrl(db) && path.resolve(db) === file)) throw new GatehouseError('USAGE', 'that path is a database; choose another file');
  fs.writeFileSync(file, text);
  return file;
}

function resultView(result: TrialResult): TrialResultView {
  const { startedAt: _startedAt, ...view } = result;
  return view;
}
