import { Command, CommanderError } from 'commander';
import { GatehouseError } from '../shared/errors.js';
import { exitCodeFor, reportError } from './cli/output.js';
import { registerRunsCommands } from './cli/runs.js';
import { registerRollbackCommand } from './cli/rollback.js';
import { registerBackupCommands } from './cli/backups.js';
import { registerServeCommand } from './cli/serve.js';
import { registerUpdateCommand } from './cli/update.js';
import { registerFlagsCommand } from './cli/flags.js';
import { registerTasksCommands } from './cli/tasks.js';
import { registerNotifyCommand } from './cli/notify.js';
import { registerReportCommand } from './cli/report.js';
import { registerValidateCommand } from './cli/validate.js';
import { registerAnomaliesCommands, registerBacktestCommand } from './cli/anomalies.js';
import { registerTrialCommand } from './cli/trial.js';

function buildProgram(): Command {
  const program = new Command('gatehouse')
    .description('Gated, batch-validated updates of the Congress.gov committee-meeting feed')
    .option('--debug', 'show stack traces for unexpected errors')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({ outputError: (text, write) => write(`gatehouse: ${text.replace(/^error: /, '')}`) });
  registerUpdateCommand(program);
  registerRunsCommands(program);
  registerFlagsCommand(program);
  registerTasksCommands(program);
  registerNotifyCommand(program);
  registerReportCommand(program);
  registerRollbackCommand(program);
  registerBackupCommands(program);
  registerServeCommand(program);
  registerValidateCommand(program);
  registerAnomaliesCommands(program);
  registerBacktestCommand(program);
  registerTrialCommand(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    reportError(error, argv.includes('--debug'));
    process.exitCode = exitCodeFor(error);
  }
}

process.on('unhandledRejection', (reason) => {
  reportError(new GatehouseError('INTERNAL', String(reason instanceof Error ? reason.message : reason)), process.argv.includes('--debug'));
  process.exit(1);
});

await main(process.argv);
