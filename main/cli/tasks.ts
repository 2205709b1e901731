import type { Command } from 'commander';
import { GatehouseError } from '../../shared/errors.js';
import type { RunEvent } from '../../shared/run.js';
import { resumeCommand } from '../engine/index.js';
import { logger } from '../logging/index.js';
import { CONGRESS_API_KEY_VARIABLE } from '../sources/index.js';
import { MIN_TASK_INTERVAL_MINUTES, resumeRefusedText, schedulerPausedText, taskAddInputSchema, taskBackoffText, taskEditInputSchema, taskHistoryInputSchema, taskNameInputSchema, unreadableScheduleText, type TaskView } from '../../shared/api-operations.js';
import { abortableSleep, addTask, MAX_BACKOFF_MS, editTask, lastSwitch, requireTask, type ResumeOutcome, runSchedulerLoop, runTask, runTaskResumingInterrupted, type ScheduledTask, Scheduler, schedulerPauseSeen, taskHistory, taskStore, type TaskSwitch, taskView, TIMES_COUNTED } from '../scheduler/index.js';
import { actorName } from '../flags/index.js';
import { withStore } from './database.js';
import { parseOptions, withOperator } from './input.js';
import { cliLog, cliNotifier } from './notifier.js';
import { printApiJson, printJson, printTable, schedulerExitCode, schedulerExitCodesHelp, terminalText } from './output.js';
import { addSourceOptions, congressLine, parseSourceFlags, type SourceFlags } from './source-options.js';
import { quitOnSignalsWhileStarting, stopRunOnSignals } from './stop-signals.js';

interface TaskOptions {
  db?: string;
  json?: boolean;
  cron?: string;
  source?: string;
  lookbackDays?: string;
  disabled?: boolean;
  operator?: string;
  limit?: string;
  after?: string;
  allowFrequent?: boolean;
  reason?: string;
}

const ALLOW_FREQUENT = ['--allow-frequent', `accept a cron whose runs come less than ${MIN_TASK_INTERVAL_MINUTES} minutes apart`] as const;

/** The same JSON the API returns for a task: with its next run; `switched`, for the text only: who switched it on or off last. */
function printTask(task: ScheduledTask, json: boolean | undefined, switched: TaskSwitch | null = null): void {
  const now = new Date();
  const t = taskView(task, now);
  if (json) return printApiJson('tasks.get', t);
  const backoff = taskBackoffText(t, now, (iso) => iso);
  const unreadable = t.scheduleProblem === null ? '' : ` (${unreadableScheduleText(t, t.scheduleProblem, 'cli')})`;
  // A source or cron stored before the control-character rule still holds what it held: printed as escapes, on one line.
  process.stdout.write(`task ${terminalText(t.name, { oneLine: true })}: "${terminalText(t.cron, { oneLine: true })}" ${terminalText(t.source, { oneLine: true })} lookback ${t.lookbackDays}d ${t.enabled ? 'enabled' : 'disabled'}${t.nextRunAt ? `, next ${t.nextRunAt}` : ''}${backoff ? ` (${backoff})` : ''}${unreadable}\n`);
  if (switched) process.stdout.write(`${terminalText(switchedLine(switched), { oneLine: true })}\n`);
}

/** "  disabled by ann at …: feed broken": the last switch of a task, as `tasks show` prints it (the JSON's is in tasks history). */
function switchedLine(switched: TaskSwitch): string {
  return `  ${switched.enabled ? 'enabled' : 'disabled'} by ${switched.operator} at ${switched.at}${switched.reason === null ? ' (no reason recorded)' : `: ${switched.reason}`}`;
}

/** A task's name as the API's tasks.get and tasks.run parse it: `tasks show "nightly "` is nightly, `tasks show " "` is refused, not looked up. */
const taskName = (name: string) => parseOptions(taskNameInputSchema, { name }, { name: 'name' }).name;

const dbOption = (c: Command) => c.option('--db <db>', 'SQLite file path or postgres:// URL (default: $GATEHOUSE_DB)').option('--json', 'print JSON');
const operatorOption = (c: Command) => c.option('--operator <name>', 'who is changing it, kept in the task\'s history (default: the OS user)');
const reasonOption = (c: Command) => c.option('--reason <text>', 'why, kept in the task\'s history');

/** What the scheduler (the desktop app while open, or `gatehouse scheduler`) does when a task's time comes. */
const SCHEDULE_RULES = `
When a task's time comes (run by the desktop app while it is open, or by \`gatehouse scheduler\`;
\`gatehouse serve\` runs no tasks):
  - times missed while no scheduler was up are not replayed one by one: they are reported once
    (log and a \`missed-runs\` notice, with the first and last and how many, "more than
    ${TIMES_COUNTED}" past that) and the task runs once, reaching back over the missed days
  - a task whose previous run is still going is not started a second time: that time is skipped,
    logged as task-skipped with the reason
  - a run that cannot start (source unreachable, database held) is notified once per hour per task
    (what came in between is counted into the next notice), with when it tries next
  - a start refused because another writer holds the writer lock is tried again at the task's next
    time and does not count toward its backoff: the database was busy, the task did not fail
  - a task that fails (or cannot start) again and again backs off: after a first failure it is tried
    at its next time; after 2 in a row it skips 1 time, after 3 it skips 3, then 7…, but never waits
    more than ${MAX_BACKOFF_MS / 3_600_000} hours past its last failure (\`tasks list\` and \`tasks show\` give the next try). A run
    that works, \`tasks run\`, or an edit of the task ends the backoff
  - schedulers sharing one database each see the task due; one claims the time and runs it, the
    others skip it ("another scheduler sharing this database took this run")
  - a database that lost a table or its file (dropped, deleted, moved outside Gatehouse) pauses the
    scheduler: said once (scheduler-paused, one notice), no task backed off for it; it goes on by
    itself once the database is whole again. One that cannot be reached for a while is no pause:
    said once (tasks-unreadable), polled until it answers
  - a cron that never fires (30 February) is refused at \`tasks add\` and \`tasks edit\`, and so is one
    whose runs come less than ${MIN_TASK_INTERVAL_MINUTES} minutes apart, unless \`--allow-frequent\` says it is meant
`;

/** The table's "next run" for a task without one: a schedule that cannot be read says so and where the reason is (too long for a cell). */
function nextRunMissing(task: TaskView): string | null {
  return task.scheduleProblem === null ? null : `none: its schedule cannot be read (gatehouse tasks show ${task.name})`;
}

export function registerTasksCommands(program: Command): void {
  const tasks = program.command('tasks').description('scheduled update tasks (cron, UTC)').addHelpText('after', SCHEDULE_RULES);

  dbOption(tasks.command('list').description('every task with its next run')).action(async (options: TaskOptions) =>
    withStore(options.db, async (store) => {
      const now = new Date();
      const [tasks, schedulerPaused] = await Promise.all([taskStore(store).list(), schedulerPauseSeen(store)]);
      const list = tasks.map((task) => ({ ...taskView(task, now), schedulerPaused }));
      if (options.json) return printApiJson('tasks.list', list);
      printTable(
        ['task', 'cron', 'source', 'lookback', 'enabled', 'next run', 'last fired', 'last run', 'backoff'],
        list.map((t) => [t.name, t.cron, t.source, t.lookbackDays, t.enabled ? 'yes' : 'no', t.nextRunAt ?? nextRunMissing(t), t.lastFiredAt, t.lastRunId, taskBackoffText(t, now, (iso) => iso)]),
      );
      if (schedulerPaused) console.log(terminalText(schedulerPausedText(schedulerPaused, (iso) => iso)));
    }),
  );

  dbOption(tasks.command('show <name>').description('one task with its next run and, after failures, its backoff')).action(async (name: string, options: TaskOptions) =>
    withStore(options.db, async (store) => {
      const task = await requireTask(store, taskName(name));
      printTask(task, options.json, options.json ? null : await lastSwitch(store, task.name));
    }),
  );

  reasonOption(operatorOption(dbOption(
    tasks
      .command('add <name>')
      .description('schedule a task')
      .requiredOption('--cron <expr>', 'when, e.g. "0 6 * * *" (UTC)')
      .requiredOption('--source <spec>', 'the update source spec')
      .option('--lookback-days <n>', 'days of updates to fetch (default 7)')
      .option('--disabled', 'add it switched off')
      .option(...ALLOW_FREQUENT),
  ))).action(async (name: string, options: TaskOptions) => {
    const { operator, ...input } = parseOptions(withOperator(taskAddInputSchema), { name, cron: options.cron, source: options.source, lookbackDays: options.lookbackDays, enabled: !options.disabled, allowFrequent: options.allowFrequent, reason: options.reason, operator: options.operator }, { name: 'name' });
    await withStore(options.db, async (store) => printTask(await addTask(store, input, new Date(), operator), options.json), { mustExist: false });
  });

  reasonOption(operatorOption(dbOption(
    tasks
      .command('edit <name>')
      .description('change a task')
      .option('--cron <expr>', 'when (UTC)')
      .option('--source <spec>', 'the update source spec')
      .option('--lookback-days <n>', 'days of updates to fetch')
      .option(...ALLOW_FREQUENT),
  ))).action(async (name: string, options: TaskOptions) => {
    const { name: task, operator, ...patch } = parseOptions(withOperator(taskEditInputSchema), { name, cron: options.cron, source: options.source, lookbackDays: options.lookbackDays, allowFrequent: options.allowFrequent, reason: options.reason, operator: options.operator }, { name: 'name' });
    // The API's refusal names its fields ("or enabled"); edit has no option for that, enable and disable do it.
    if (patch.cron === undefined && patch.source === undefined && patch.lookbackDays === undefined) {
      throw new GatehouseError('USAGE', `nothing to change: give --cron, --source or --lookback-days (to switch the task on or off: gatehouse tasks enable|disable ${task} --reason "why")`);
    }
    await withStore(options.db, async (store) => printTask(await editTask(store, task, patch, new Date(), operator), options.json));
  });

  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    operatorOption(dbOption(tasks.command(`${verb} <name>`).description(`${verb} a task (audited)`).option('--reason <text>', 'why (required: kept in the task\'s history, as a flag change\'s is)'))).action(async (name: string, options: TaskOptions) => {
      // The API's tasks.edit input, whole: the same reason is refused (blank, too long, a control character) on both.
      const { name: task, operator, ...patch } = parseOptions(withOperator(taskEditInputSchema), { name, enabled, reason: options.reason, operator: options.operator }, { name: 'name' });
      await withStore(options.db, async (store) => printTask(await editTask(store, task, patch, new Date(), operator), options.json));
    });
  }

  dbOption(
    tasks
      .command('history [name]')
      .description('who added and changed tasks (or one task), newest first; kept through every restore')
      .option('--limit <n>', 'how many events (default 100)')
      .option('--after <id>', 'the next page: events older than this one'),
  ).action(async (name: string | undefined, options: TaskOptions) => {
    const query = parseOptions(taskHistoryInputSchema, { task: name, limit: options.limit, after: options.after }, { task: 'name' });
    await withStore(options.db, async (store) => {
      // The API's tasks.history, whole: the same query prints the same JSON on both.
      const events = await taskHistory(store, query);
      if (options.json) return printApiJson('tasks.history', events);
      printTable(['event', 'at', 'task', 'action', 'operator', 'before', 'after', 'reason'], events.map((e) => [e.id, e.at, e.task, e.action, e.operator, e.before && JSON.stringify(e.before), JSON.stringify(e.after), e.reason]));
    });
  });

  addSourceOptions(dbOption(tasks.command('run <name>').description('run a task now, with its task-scoped flags; Ctrl-C stops it after the current batch (exit 130; 143 on SIGTERM) as update does, a second one at once'))
    .option('--operator <name>', 'who is running it, named by the writer lock to anyone it refuses meanwhile (default: the OS user)')).action(async (rawName: string, options: TaskOptions & SourceFlags) => {
    const { name, operator } = parseOptions(withOperator(taskNameInputSchema), { name: rawName, operator: options.operator }, { name: 'name' });
    const { options: sourceOptions } = parseSourceFlags(options);
    // Until its run can be stopped at a boundary, a signal ends the command at once, saying so (as update does).
    const starting = quitOnSignalsWhileStarting('tasks run', { json: options.json === true });
    starting.at('opening the database');
    try {
      process.exitCode = await withStore(options.db, async (store) => {
        starting.at(`reading task ${name}`);
        const task = await requireTask(store, name);
        starting.dispose();
        const stopping = stopRunOnSignals('tasks run', () => 'stopping the run at its next batch boundary', (runId) => resumeCommand(runId, task.source));
        try {
          const deps = { notifier: cliNotifier(store, { summaryPrinted: !options.json }), signal: stopping.signal, onEvent: hearingRun(stopping.onEvent), sourceOptions };
          // As its schedule does (runTaskResumingInterrupted): the task's interrupted run is resumed first.
          const { summary, resume } = await runTaskResumingInterrupted(store, task, (request) => runTask(store, task, deps, { ...request, operator: actorName(operator) }));
          await taskStore(store).recordOnDemandRun(task.name, summary.runId);
          if (options.json) printJson({ ...summary, ...(resume ? { resume } : {}) });
          else process.stdout.write(terminalText(`${resume ? `${resumeLine(task.name, resume)}\n` : ''}task ${task.name}: run ${summary.runId} ${summary.status} (${summary.mode}, ${summary.metrics.fetched} fetched)\n${summary.error ? `  error: ${summary.error}\n` : ''}`));
          return stopping.exitCode(summary.status);
        } finally {
          stopping.dispose();
        }
      });
    } finally {
      starting.dispose();
    }
  });

  addSourceOptions(program
    .command('scheduler')
    .description('run due tasks until stopped (headless; the app runs the same scheduler while open)')
    .option('--db <db>', 'SQLite file path or postgres:// URL (default: $GATEHOUSE_DB)')
    .option('--once', 'check once, run what is due, and exit')
    .option('--json', 'print the tick report as JSON (with --once)')
    .addHelpText('after', schedulerExitCodesHelp()))
    .action(async (options: TaskOptions & SourceFlags & { once?: boolean }) => {
      // Without --once the scheduler runs until stopped and prints no report: --json alone started it for good, unsaid.
      if (options.json && !options.once) throw new GatehouseError('USAGE', '--json prints the report of one check: give it with --once (the scheduler left running logs a JSON line per decision)');
      const sourceFlags = parseSourceFlags(options);
      const { options: sourceOptions } = sourceFlags;
      return withStore(options.db, async (store) => {
        const notifier = cliNotifier(store);
        const clock = () => new Date();
        // Stopping the scheduler stops a task's run after its batch too (resumed at the next tick), its reason saying so.
        const controller = new AbortController();
        // With --once, the run's events go to the signal handler, so a second Ctrl-C names the run it leaves.
        let onEvent: ((event: RunEvent) => void) | undefined;
        // The task whose run is under way: a second Ctrl-C names the source its resume takes.
        let running: ScheduledTask | null = null;
        const scheduler = new Scheduler({ store, clock, notifier, log: cliLog(), signal: controller.signal, runTask: (task, request) => runTask(store, (running = task), { notifier, clock, signal: controller.signal, onEvent, sourceOptions }, request) });
        if (options.once) {
          // Ctrl-C stops a check as it stops `update`: the run under way ends at its batch boundary, interrupted with the
          // signal as its reason, and the lock is released (Node's default killed it mid-batch, the run left `running`).
          const stopping = stopRunOnSignals('scheduler --once', () => 'stopping the task\'s run at its next batch boundary, starting no other task', (runId) => (running ? resumeCommand(runId, running.source) : `gatehouse update --resume ${runId}`));
          stopping.signal.addEventListener('abort', () => controller.abort(stopping.signal.reason), { once: true });
          onEvent = hearingRun(stopping.onEvent);
          try {
            const report = await scheduler.tick();
            if (options.json) printJson(report);
            process.exitCode = stopping.signal.aborted ? stopping.exitCode('interrupted') : schedulerExitCode(report);
          } finally {
            stopping.dispose();
          }
          return;
        }
        startupLog.info(congressLine(sourceFlags, `no API key (set $${CONGRESS_API_KEY_VARIABLE} or give --congress-key-file)`));
        const stop = (signal: NodeJS.Signals) => controller.abort(`as gatehouse scheduler (pid ${process.pid}) shut down on ${signal}`);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        await runSchedulerLoop(scheduler, { signal: controller.signal, clock, sleep: abortableSleep });
      });
    });
}

const scheduleLog = logger('scheduler');
/** What the scheduler left running says as it starts, shown at info as `serve`'s startup lines are. */
const startupLog = logger('scheduler', { terminalLevel: 'info' });

/**
 * The run's events for a signal handler: a task's run told of a listener says its coverage-gap
 * warning as an event rather than in the log, so the warning is logged here or no one would say it.
 */
function hearingRun(onEvent: (event: RunEvent) => void): (event: RunEvent) => void {
  return (event) => {
    onEvent(event);
    if (event.type === 'warning' && event.cause === 'coverage-gap') scheduleLog.warn(event.message);
  };
}

/** What `tasks run` did with the task's interrupted run before (or instead of) its new one. */
function resumeLine(task: string, resume: ResumeOutcome): string {
  if ('refused' in resume) return `task ${task}: ${resumeRefusedText(resume.runId, resume.refused)}`;
  return `task ${task}: resumed interrupted run ${resume.runId}: ${resume.status}`;
}
