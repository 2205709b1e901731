import { Command, CommanderError } from 'commander';
import { exitCodeFor, ignoreClosedOutput, reportError } from './cli/output.js';
import { configureLogging, defaultLogFile } from './logging/index.js';

type Register = (program: Command) => void;

/**
 * Which module registers each command. Only the module of the command being run is loaded, so
 * `gatehouse update` does not pay for the console, reports or trials at start-up; bare `--help`
 * loads them all to list them.
 */
const COMMAND_MODULES: Record<string, () => Promise<Register[]>> = {
  update: async () => [(await import('./cli/update.js')).registerUpdateCommand],
  runs: async () => [(await import('./cli/runs.js')).registerRunsCommands],
  quarantine: async () => [(await import('./cli/runs.js')).registerRunsCommands],
  flags: async () => [(await import('./cli/flags.js')).registerFlagsCommand],
  tasks: async () => [(await import('./cli/tasks.js')).registerTasksCommands],
  scheduler: async () => [(await import('./cli/tasks.js')).registerTasksCommands],
  notify: async () => [(await import('./cli/notify.js')).registerNotifyCommand],
  report: async () => [(await import('./cli/report.js')).registerReportCommand],
  rollback: async () => [(await import('./cli/rollback.js')).registerRollbackCommand],
  backups: async () => [(await import('./cli/backups.js')).registerBackupCommands],
  restore: async () => [(await import('./cli/backups.js')).registerBackupCommands],
  serve: async () => [(await import('./cli/serve.js')).registerServeCommand],
  validate: async () => [(await import('./cli/validate.js')).registerValidateCommand],
  anomalies: async () => [(await import('./cli/anomalies.js')).registerAnomaliesCommands],
  backtest: async () => [(await import('./cli/anomalies.js')).registerBacktestCommand],
  trial: async () => [(await import('./cli/trial.js')).registerTrialCommand],
  rollout: async () => [(await import('./cli/rollout.js')).registerRolloutCommands],
};

async function buildProgram(commandName: string | undefined): Promise<Command> {
  const program = new Command('gatehouse')
    .description('Gated, batch-validated updates of the Congress.gov committee-meeting feed')
    .option('--debug', 'show stack traces for unexpected errors')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({ outputError: (text, write) => write(`gatehouse: ${text.replace(/^error: /, '')}`) })
    .hook('preAction', (_program, action) => {
      commandStarted = commandPath(action);
    });
  const wanted = commandName !== undefined && commandName in COMMAND_MODULES ? [commandName] : Object.keys(COMMAND_MODULES);
  const registered = new Set<Register>();
  for (const name of wanted) {
    for (const register of await COMMAND_MODULES[name]!()) {
      if (registered.has(register)) continue;
      registered.add(register);
      register(program);
    }
  }
  return program;
}

/** The command whose action began (`runs show`): an unexpected error names what failed. */
let commandStarted: string | undefined;

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at?.parent; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

async function main(argv: string[]): Promise<void> {
  // Every module's logger writes JSON lines to the data folder's log and its warnings to stderr; stdout is for results.
  configureLogging({ file: defaultLogFile(), terminal: (line) => process.stderr.write(`${line}\n`) });
  const program = await buildProgram(argv.slice(2).find((arg) => !arg.startsWith('-')));
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      // Commander has written its message to stderr; a --json caller still gets the error on stdout.
      if (error.exitCode !== 0 && argv.includes('--json')) {
        process.stdout.write(`${JSON.stringify({ error: { code: 'USAGE', message: error.message.replace(/^error: /, '') } })}\n`);
      }
      return;
    }
    reportError(error, outputOptions(argv));
    process.exitCode = exitCodeFor(error);
  }
}

function outputOptions(argv: string[]): { debug: boolean; json: boolean; command?: string } {
  return { debug: argv.includes('--debug'), json: argv.includes('--json'), ...(commandStarted === undefined ? {} : { command: commandStarted }) };
}

/**
 * Thrown or rejected outside every command's await (a callback, a stream's handler): reported as one
 * thrown inside is — one line, the stack with --debug — and exit 1 as before. Left to Node, an uncaught
 * exception printed the minified line of its bundle chunk and that chunk's frames.
 */
function reportEscaped(error: unknown): void {
  reportError(error, outputOptions(process.argv));
  process.exit(1);
}

ignoreClosedOutput();
process.on('unhandledRejection', reportEscaped);
process.on('uncaughtException', reportEscaped);

/**
 * Once a command has finished, nothing of Gatehouse's should keep the process alive: a timer, socket or
 * pool left open by some failure path would hold a cron'ed `gatehouse update` (and the writer lock's
 * slot in the schedule) for ever. After a grace period the process exits with its own code, naming
 * what was still open so the leak can be found. The timer is unref'd: it never delays a normal exit.
 */
const LINGER_LIMIT_MS = 10_000;

function exitIfLingering(): void {
  setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((kind) => kind !== 'Timeout');
    process.stderr.write(`gatehouse: the command finished but something kept the process open ${LINGER_LIMIT_MS / 1000} s later (${open.join(', ') || 'a timer'}); exiting\n`);
    process.exit(process.exitCode ?? 0);
  }, LINGER_LIMIT_MS).unref();
}

/** Test seam (GATEHOUSE_TEST_FAULTS=1, GATEHOUSE_LEAVE_OPEN=1): a handle left open after the command, as a leak would. */
function leaveOpenForTests(): void {
  if (process.env.GATEHOUSE_TEST_FAULTS === '1' && process.env.GATEHOUSE_LEAVE_OPEN === '1') setInterval(() => {}, 60_000);
}

/**
 * A command that left a SQLite connection open on a file made immutable under it (connectionAbandoned
 * in main/store/faults.ts) ends here, with its code: a natural exit would have better-sqlite3 close
 * it as Node tears down, and that close's write into the mapped -shm ends the process with SIGBUS.
 */
async function exitIfConnectionAbandoned(): Promise<void> {
  const { abandonedConnections } = await import('./store/faults.js');
  if (abandonedConnections() > 0) process.exit(process.exitCode ?? 0);
}

await main(process.argv);
await exitIfConnectionAbandoned();
leaveOpenForTests();
exitIfLingering();
