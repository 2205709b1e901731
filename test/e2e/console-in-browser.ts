import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { consoleJudge, createApi, createInProcessEngineHost, createWorkerEngineHost, startHttpServer, type EngineHost, type EngineHostOptions, type RunningServer } from '../../main/api/index.js';
import { openStore, type Store } from '../../main/store/index.js';
import type { TestBackend } from '../helpers/backends.js';
import { startCli } from '../helpers/cli.js';
import { FAKE_API_KEY, startFakeCongress, type FakeCongress } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';
import { availablePostgresBackend } from '../helpers/postgres.js';
import { CHROMIUM_ARGS } from './chromium.js';
import { ensureRendererBuilt } from './renderer-build.js';

export const SCREENSHOTS = path.resolve('test-results/screenshots');

/** How often the console under test looks again for what other processes changed (the product: every 3 s). */
export const LOOK_EVERY_MS = 300;

/**
 * The console opened once before a describe block's tests and closed after them, no page error seen
 * meanwhile; inside a test, `opened()` is it. `options` is asked for only when the block runs (a
 * block skipped for want of Chromium never opens one).
 */
export function consoleForTheseTests(options: () => Parameters<typeof openConsoleInBrowser>[0]): () => ConsoleInBrowser {
  let app: ConsoleInBrowser | undefined;
  beforeAll(async () => {
    app = await openConsoleInBrowser(options());
  });
  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
  });
  return () => app!;
}

export interface ConsoleInBrowser {
  /** A temp folder for the test's files (and the database itself on SQLite). */
  folder: string;
  /** The database: the SQLite file in `folder`, or a `postgres://…?schema=` URL of its own schema. */
  location: string;
  store: Store;
  engine: EngineHost;
  server: RunningServer;
  browser: Browser;
  page: Page;
  /** Script errors the page raised, for a last "no errors" check. */
  pageErrors: string[];
  shot(name: string): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * `gatehouse serve` as the browser suites use it: a SQLite database in a temp folder (or a fresh
 * PostgreSQL schema, given `backend`) filled by `seed`, the API and the built console over HTTP,
 * and Debian Chromium on the token URL. `prepare` runs once the store and the engine are open,
 * before the server starts.
 */
export async function openConsoleInBrowser(options: {
  executablePath: string;
  seed: (location: string) => Promise<unknown>;
  /** Where the database lives (dropped on close); a SQLite file in the temp folder when absent. */
  backend?: TestBackend;
  prepare?: (opened: { store: Store; engine: EngineHost }) => Promise<void>;
  viewport?: { width: number; height: number };
  /** Judge runs with the historical validator, as `gatehouse serve` does. */
  judge?: boolean;
  /**
   * As `gatehouse serve` runs it: runs and long operations in worker threads (the built dist/
   * script), runs always judged.
   */
  worker?: boolean;
  /** How the in-process engine opens its runs' sources (a lower wait worth telling, for a short Retry-After). */
  sourceOptions?: EngineHostOptions['sourceOptions'];
}): Promise<ConsoleInBrowser> {
  const staticRoot = await ensureRendererBuilt();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-e2e-'));
  const location = options.backend ? await options.backend.freshLocation() : path.join(folder, 'gatehouse.db');
  await options.seed(location);
  const store = await openStore(location);
  const engine = options.worker
    ? createWorkerEngineHost({ location, workerScript: path.resolve('dist/main/api/engine-worker.js') })
    : createInProcessEngineHost({ location, sourceOptions: options.sourceOptions, ...(options.judge ? { judge: consoleJudge } : {}) });
  await options.prepare?.({ store, engine });
  const server = await startHttpServer({ handlers: createApi({ store, engine, transport: 'http' }), engine, staticRoot });
  const browser = await chromium.launch({ executablePath: options.executablePath, args: CHROMIUM_ARGS, headless: true });
  const page = await browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 800 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // What a test changes beside the page (the CLI, the store, another console) shows at the next look:
  // every LOOK_EVERY_MS here instead of the product's 3 s, so a test waits a moment for it, not seconds.
  await page.addInitScript(`window.gatehouseLookEveryMs = ${LOOK_EVERY_MS};`);
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.goto(server.url);
  return {
    folder,
    location,
    store,
    engine,
    server,
    browser,
    page,
    pageErrors,
    shot: (name) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true }),
    close: async () => {
      await browser.close();
      await server.close();
      await engine.close();
      await store.close();
      await options.backend?.cleanup();
      fs.rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** A seed that runs `gatehouse update --source SOURCE` on the console's database through the CLI, as a terminal beside the console would. */
export function seedByCliUpdate(source: string, env: Record<string, string> = {}): (location: string) => Promise<void> {
  return async (location) => {
    const update = await startCli(['update', '--db', location, '--source', source, '--no-snapshot'], env).done;
    expect(update.code, update.stderr).toBe(0);
  };
}

/**
 * A fake Congress.gov listing one House meeting per id, dated an hour ago (the CLI and the engine
 * read the real clock), started before a describe block's console and closed after it (after hooks
 * run in reverse); `answer` may set its override. Inside a test, the returned function is it.
 */
export function fakeCongressForTheseTests(eventIds: number[], answer?: (fake: FakeCongress, house: Record<string, unknown>[]) => void): () => FakeCongress {
  let fake: FakeCongress | undefined;
  beforeAll(async () => {
    const updateDate = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const house = eventIds.map((eventId) => hearingRecord(eventId, { updateDate }));
    fake = await startFakeCongress({ house });
    answer?.(fake, house);
  });
  afterAll(async () => {
    await fake?.close();
  });
  return () => fake!;
}

/** A seed that runs `gatehouse update` from the fake Congress.gov, with its API key, through the CLI. */
export function seedFromFakeCongress(fake: () => FakeCongress): (location: string) => Promise<void> {
  return (location) => seedByCliUpdate(`congress:${fake().baseUrl}`, { GATEHOUSE_CONGRESS_API_KEY: FAKE_API_KEY })(location);
}

/** A `seed` that opens the database file, hands it to `work`, and closes it whatever happens. */
export function seedStore(work: (store: Store) => Promise<void>): (location: string) => Promise<void> {
  return async (location) => {
    const store = await openStore(location);
    try {
      await work(store);
    } finally {
      await store.close();
    }
  };
}

/**
 * Names the browser session from the header's "Name this session…" unless an earlier test already
 * named it (by answering the prompt of its first change), so a test that records audit rows does
 * not hang on a prompt when the test before it failed early.
 */
export async function nameSessionUnlessNamed(page: Page, name: string): Promise<void> {
  const header = page.getByTestId('operator');
  const ask = header.getByRole('button', { name: 'Name this session…' });
  // Blank until the session has loaded: then it shows either the name or the button.
  await header.locator('strong').or(ask).waitFor();
  if (await ask.isVisible()) {
    await ask.click();
    const prompt = page.getByTestId('operator-prompt');
    await prompt.locator('input[name=session-operator]').fill(name);
    await prompt.getByRole('button', { name: 'Save name' }).click();
  }
  await header.locator('strong', { hasText: name }).waitFor();
}

/**
 * Starts a run from the Runs page's form and waits for its page: the run's id. `operator` answers
 * the name prompt of a session's first change (a run's writer lock names who started it); leave it
 * out when the session was named before.
 */
export async function startRunFromConsole(page: Page, run: { source: string; batchSize: number; operator?: string }): Promise<number> {
  await page.getByRole('link', { name: 'Runs', exact: true }).click();
  await page.locator('input[name=source]').fill(run.source);
  await page.locator('input[name=batchSize]').fill(String(run.batchSize));
  await page.getByRole('button', { name: 'Start run' }).click();
  if (run.operator !== undefined) {
    const prompt = page.getByTestId('operator-prompt');
    await prompt.locator('input[name=session-operator]').fill(run.operator);
    await prompt.getByRole('button', { name: 'Save name' }).click();
  }
  await page.waitForURL(/#\/runs\/\d+$/);
  return Number(/#\/runs\/(\d+)$/.exec(page.url())![1]);
}

/**
 * The databases a browser suite that must work on both runs on: SQLite (the temp-folder file) and
 * PostgreSQL, a fresh schema per console. A PostgreSQL server that does not answer skips its half
 * with one line outside CI and fails the run in CI (CI=true).
 */
export async function consoleBackends(): Promise<Array<{ name: 'sqlite' | 'postgres'; backend: TestBackend | undefined }>> {
  const postgres = await availablePostgresBackend();
  return [{ name: 'sqlite', backend: undefined }, ...(postgres ? [{ name: 'postgres' as const, backend: postgres }] : [])];
}
