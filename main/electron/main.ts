/**
 * The Electron shell: one locked-down window on app://gatehouse, the API over validated IPC, the
 * engine in a worker thread. Only this folder imports electron (DESIGN §1).
 */
import fs from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, dialog, Notification, session } from 'electron';
import { RUN_EVENT_CHANNEL } from '../../shared/api.js';
import { consoleNotifier, createApi, createWorkerEngineHost, notifyRunOutcomes, openConsoleStore, osUserCaller, runConsoleScheduler, seedDemoDatabase, type ConsoleNotifications, type EngineHost } from '../api/index.js';
import type { DesktopNotifier } from '../scheduler/index.js';
import type { Store } from '../store/index.js';
import { redactSecrets } from '../../shared/redact.js';
import { lockDown } from './hardening.js';
import { APP_HOST, APP_SCHEME, serveApiOverIpc, serveRecordFilePicker } from './ipc.js';
import { registerAppScheme, serveRenderer } from './protocol.js';
import { desktopPreferences } from './preferences.js';
import { DatabaseSecrets } from './secrets.js';

// Bundled as CJS by electron-vite: __dirname is out/main, beside out/preload and out/renderer.
const OUT = path.resolve(__dirname, '..');
const START_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

let window: BrowserWindow | null = null;
let engine: EngineHost | null = null;
let store: Store | null = null;
let quitting = false;
/** Stops the scheduler loop and the run-outcome notifications on quit. */
const stopScheduler = new AbortController();
let schedulerDone: Promise<void> = Promise.resolve();
let stopNotifying: () => Promise<void> = async () => undefined;

/** Electron's Notification behind the scheduler's DesktopNotifier; silent where the OS has none. */
const desktopNotifier: DesktopNotifier = {
  show(title, body) {
    if (Notification.isSupported()) new Notification({ title, body }).show();
  },
};

registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('web-contents-created', (_event, contents) => lockDown(contents));
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', (event) => {
    // Let an active run finish its current batch and close the databases before the process ends.
    if (quitting) return;
    event.preventDefault();
    quitting = true;
    void shutDown().finally(() => app.quit());
  });
  void app.whenReady().then(start);
}

async function start(): Promise<void> {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  serveRenderer(path.join(OUT, 'renderer'));

  const location = databaseLocation();
  // First start: a demo history so the console is alive at once. Runs before the window opens.
  await seedDemoDatabase(location);
  const notifications: ConsoleNotifications = { desktop: desktopNotifier, log: appLog(path.join(app.getPath('userData'), 'gatehouse.log')) };
  // As gatehouse serve opens it: a store not all there restore-only, said in the app's log; the console's pages say it too.
  store = await openConsoleStore(location, (line) => notifications.log?.(JSON.stringify({ level: 'warn', event: 'store-opened', message: line })));
  const preferences = desktopPreferences(app.getPath('userData'));
  engine = createWorkerEngineHost({ location, workerScript: path.join(__dirname, 'engine-worker.cjs') });
  const openStoreNow = store;
  const notifier = () => consoleNotifier(openStoreNow, preferences, notifications);
  // The desktop app's operator is the user logged in to this computer, for every audit row.
  serveApiOverIpc(createApi({ store, engine, transport: 'ipc', preferences, notifications, databaseLocation: location }), () => window?.webContents ?? null, osUserCaller());
  serveRecordFilePicker(pickRecordFile, () => window?.webContents ?? null);
  engine.subscribe((event) => window?.webContents.send(RUN_EVENT_CHANNEL, event));
  engine.subscribeOperations((event) => window?.webContents.send(RUN_EVENT_CHANNEL, event));
  stopNotifying = notifyRunOutcomes(engine, openStoreNow, notifier);
  // Scheduled tasks run while the app is open, through the worker like any other run.
  schedulerDone = runConsoleScheduler({ store, engine, notifier, log: notifications.log!, signal: stopScheduler.signal }).catch((error: unknown) => {
    notifications.log?.(JSON.stringify({ level: 'error', event: 'scheduler-stopped', message: redactSecrets(String(error)) }));
  });
  createWindow();
}

/** JSON lines in the user-data folder, secrets redacted at the door. */
function appLog(file: string): (line: string) => void {
  return (line) => {
    try {
      fs.appendFileSync(file, `${redactSecrets(line)}\n`);
    } catch {
      /* a full disk must not stop a run */
    }
  };
}

/** A saved PostgreSQL location (password via safeStorage), else the embedded SQLite file. */
function databaseLocation(): string {
  const userData = app.getPath('userData');
  const saved = new DatabaseSecrets(path.join(userData, 'database.json')).load();
  return saved ?? path.join(userData, 'gatehouse.db');
}

function createWindow(): void {
  window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    title: 'Gatehouse',
    webPreferences: {
      preload: path.join(OUT, 'preload', 'index.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window?.show());
  window.on('closed', () => (window = null));
  void window.loadURL(START_URL);
}

async function shutDown(): Promise<void> {
  stopScheduler.abort();
  // Closing the engine stops a scheduled run after its batch, which lets the scheduler's tick end.
  await engine?.close('as the Gatehouse app quit');
  await schedulerDone;
  await stopNotifying();
  await store?.close();
  engine = null;
  store = null;
}

/** The OS file dialog for a JSON / NDJSON record file; null when the operator cancels. */
async function pickRecordFile(): Promise<string | null> {
  const options: Electron.OpenDialogOptions = {
    title: 'Run a record file',
    properties: ['openFile'],
    filters: [{ name: 'Committee meetings (JSON, NDJSON)', extensions: ['json', 'ndjson', 'jsonl'] }, { name: 'All files', extensions: ['*'] }],
  };
  const chosen = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
  return chosen.canceled ? null : (chosen.filePaths[0] ?? null);
}
