import type { Command } from 'commander';
import type { NotifyResult } from '../scheduler/index.js';
import type { Store } from '../store/index.js';
import { cliNotifier } from './notifier.js';
import { printApiJson } from './output.js';

export function registerNotifyCommand(program: Command): void {
  program
    .command('notify')
    .description('notifications (log, desktop in the app, webhook)')
    .command('test')
    .description('send a test notification through every configured channel (not throttled)')
    .option('--webhook <url>', 'webhook URL (default: $GATEHOUSE_WEBHOOK_URL); Slack and Discord URLs get their own shape')
    .option('--json', 'print the result as JSON')
    .action(async (options: { webhook?: string; json?: boolean }) => {
      // A test must reach the channels every time, so it skips the throttle and needs no database.
      const store: Store | null = null;
      const notifier = cliNotifier(store, { webhookUrl: options.webhook });
      const result = await notifier.notify({ cause: 'test', subject: 'test', level: 'info', title: 'Gatehouse: test notification', body: `sent at ${new Date().toISOString()}` });
      if (options.json) printApiJson('notify.test', result);
      else process.stdout.write(result.channels.map((c) => (c.delivered ? `${c.channel}: delivered\n` : `${c.channel}: NOT delivered — ${c.error}\n`)).join(''));
      process.exitCode = testExitCode(result);
    });
}

/** As an update's: 0 every channel delivered, 3 some did (partial), 4 none did. */
function testExitCode(result: NotifyResult): number {
  const delivered = result.channels.filter((c) => c.delivered).length;
  if (delivered === result.channels.length && delivered > 0) return 0;
  return delivered > 0 ? 3 : 4;
}
