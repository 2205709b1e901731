import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import * as z from 'zod';
import { applyCongressApiKey, consoleNotifier, createApi, createWorkerEngineHost, memoryPreferences, notifyRunOutcomes, openConsoleStore, seedDemoDatabase, startHttpServer } from '../api/index.js';
import { databaseOption } from './database.js';
import { cliLog } from './notifier.js';
import { parseOptions } from './input.js';
import { addSourceOptions, congressLine, parseSourceFlags, type SourceFlags } from './source-options.js';
import { dataFolder, logger } from '../logging/index.js';

const log = logger('serve', { terminalLevel: 'info' });

interface ServeFlags extends SourceFlags {
  db?: string;
  port?: string;
  demo?: boolean;
  static?: string;
}

/**
 * `gatehouse serve`: the console in a browser. Runs and long operations (rollback, restore,
 * snapshots, trials) execute in worker threads, as in the Electron app, so requests never wait
 * behind them.
 */
export function registerServeCommand(program: Command): void {
  addSourceOptions(program
    .command('serve'))
    .description('serve the console over HTTP on 127.0.0.1 with a single-use sign-in URL')
    .option('--db <db>', 'SQLite file path or postgres:// URL (default: $GATEHOUSE_DB)')
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)')
    .option('--demo', 'seed an empty database with a demo history first')
    .option('--static <dir>', 'the built console (default: renderer/dist)')
    .action(async (flags: ServeFlags) => {
      await serve(flags);
    });
}

async function serve(flags: ServeFlags): Promise<void> {
  const location = databaseOption(flags.db);
  const { port } = parseOptions(z.object({ port: z.number().int().min(0).max(65_535).default(0) }), { port: flags.port });
  const sourceFlags = parseSourceFlags(flags);
  // Through the environment, as a key saved in Settings: the console shows it set, and can replace it.
  if (sourceFlags.options.apiKey !== undefined) applyCongressApiKey(sourceFlags.options.apiKey);
  // Said only when the operator gave source options (a first start says nothing on stderr), and before
  // the server starts: the URL on stdout comes last, and npm start relays stderr on a pipe of its own.
  if (flags.congressKeyFile !== undefined || flags.congressMaxWait !== undefined || flags.congressBaseUrl !== undefined) log.info(congressLine(sourceFlags, 'no API key (save one in Settings)'));
  if (flags.demo) {
    const { seeded, runs } = await seedDemoDatabase(location);
    if (seeded) log.info(`seeded a demo history of ${runs.length} runs into ${location}`);
  }
  // Opened not all there all the same (a table dropped outside Gatehouse), as `gatehouse backups list` and `restore` do: the console's Backups page is where it is mended.
  const store = await openConsoleStore(location, (line) => log.warn(line));
  const engine = createWorkerEngineHost({ location, sourceOptions: { maxWaitPerRequestMs: sourceFlags.options.maxWaitPerRequestMs, congressBaseUrl: sourceFlags.options.congressBaseUrl } });
  const staticRoot = flags.static ?? defaultStaticRoot();
  const preferences = memoryPreferences();
  const notifications = { log: cliLog() };
  const stopNotifying = notifyRunOutcomes(engine, store, () => consoleNotifier(store, preferences, notifications));
  // A PostgreSQL database has no folder beside it: the console's uploads go to this server's data folder.
  const uploadsFolder = store.backend === 'sqlite' ? undefined : path.join(dataFolder(), 'uploads');
  const handlers = createApi({ store, engine, transport: 'http', preferences, notifications, databaseLocation: location, ...(uploadsFolder ? { uploadsFolder } : {}) });
  const onSignIn = (next: string) => log.info(`a browser signed in; the next one can use ${next}`);
  const server = await startHttpServer({ handlers, engine, staticRoot, port, onSignIn, ...(process.env.GATEHOUSE_API_TOKEN ? { apiToken: process.env.GATEHOUSE_API_TOKEN } : {}) });
  if (!fs.existsSync(path.join(staticRoot, 'index.html'))) log.warn(`no console build in ${staticRoot} (npm run build:renderer); serving the API only`);
  process.stdout.write(`${server.url}\n`);
  const stoppedBy = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    // Started by a supervisor over an IPC channel (`npm start`): stop with it, even when it was killed.
    if (process.connected) process.once('disconnect', () => resolve('its supervisor going away'));
  });
  // The engine first: the run it stops ends with a run-finished that the consoles still connected
  // and the notifications must get; only then do the event streams and the server close.
  await engine.close(`as gatehouse serve (pid ${process.pid}) shut down on ${stoppedBy}`);
  await stopNotifying();
  await server.close();
  await store.close();
  // An open IPC channel to the supervisor keeps this process alive after everything else closed.
  if (process.connected) process.disconnect();
}

/** renderer/dist beside the package, from either main/cli (tsx) or dist/main/cli (built). */
function defaultStaticRoot(): string {
  let folder = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(folder, 'renderer', 'dist');
    if (fs.existsSync(path.join(folder, 'package.json'))) return candidate;
    folder = path.dirname(folder);
  }
  return path.resolve('renderer', 'dist');
}

