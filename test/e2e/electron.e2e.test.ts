/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findElectronBinary } from './electron-binary.js';

const binary = findElectronBinary();
if (binary === null) process.stderr.write('SKIPPED Electron e2e tests: no Electron binary installed (its download is skipped on this machine); browser mode is tested instead\n');

describe.skipIf(binary === null)('the Electron shell', () => {
  let app: ElectronApplication;
  let page: Page;
  let userData: string;

  beforeAll(async () => {
    execFileSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
    userData = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-electron-'));
    app = await electron.launch({ executablePath: binary!, args: ['out/main/index.cjs', `--user-data-dir=${userData}`] });
    page = await app.firstWindow();
  });

  afterAll(async () => {
    await app?.close();
    if (userData) fs.rmSync(userData, { recursive: true, force: true });
  });

  it('opens the console on the seeded demo database with a locked-down window', async () => {
    await page.getByTestId('runs-in-window').waitFor();
    expect(page.url()).toMatch(/^app:\/\/gatehouse\//);
    // getLastWebPreferences is Electron's own (undocumented, so not in electron.d.ts) view of what the window runs with.
    const prefs = await app.evaluate(({ BrowserWindow }) => (BrowserWindow.getAllWindows()[0]!.webContents as unknown as { getLastWebPreferences(): unknown }).getLastWebPreferences());
    expect(prefs).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false });
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
  });

  it('refuses to open new windows', async () => {
    await page.evaluate(() => window.open('https://example.com'));
    expect(app.windows()).toHaveLength(1);
  });
});
