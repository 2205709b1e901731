import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import yaml from 'js-yaml';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

/**
 * Issue 13, defect 11: the Electron shell's hardening, tested without the Electron binary — the
 * decisions are plain functions, and the parts of electron they touch (shell, safeStorage) are
 * stand-ins that record what the shell asked of them.
 */
const electron = vi.hoisted(() => ({
  openExternal: vi.fn(async (_url: string) => undefined),
  backend: 'gnome_libsecret' as string,
  available: true,
}));

vi.mock('electron', () => ({
  shell: { openExternal: electron.openExternal },
  safeStorage: {
    isEncryptionAvailable: () => electron.available,
    getSelectedStorageBackend: () => electron.backend,
    encryptString: (text: string) => Buffer.from(`sealed:${text}`),
    decryptString: (sealed: Buffer) => sealed.toString().replace(/^sealed:/, ''),
  },
  ipcMain: { handle: () => undefined, removeHandler: () => undefined },
}));

const { isAllowedExternalUrl, lockDown, navigationDecision, REQUIRED_FUSES, secretStorageProblem } = await import('../../main/electron/hardening.js');
const { desktopPreferences } = await import('../../main/electron/preferences.js');
const { DatabaseSecrets } = await import('../../main/electron/secrets.js');

const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-electron-'));
afterAll(() => fs.rmSync(userData, { recursive: true, force: true }));

beforeEach(() => {
  electron.openExternal.mockClear();
  electron.backend = 'gnome_libsecret';
  electron.available = true;
  fs.rmSync(userData, { recursive: true, force: true });
  fs.mkdirSync(userData);
});

describe('links that leave the app', () => {
  it.each(['https://congress.gov/committees', 'https://www.congress.gov/', 'https://api.congress.gov/v3/committee-meeting', 'https://api.data.gov/signup/'])('opens %s in the browser', (url) => {
    expect(isAllowedExternalUrl(url)).toBe(true);
  });

  it.each([
    ['http, not https', 'http://congress.gov/'],
    ['a host not on the list', 'https://evil.example/'],
    ['a look-alike subdomain', 'https://congress.gov.evil.example/'],
    ['a look-alike suffix', 'https://notcongress.gov/'],
    ['credentials in the URL', 'https://user:pass@congress.gov/'],
    ['another port', 'https://congress.gov:8443/'],
    ['a file URL', 'file:///etc/passwd'],
    ['a javascript URL', 'javascript:alert(1)'],
    ['no URL at all', 'not a url'],
  ])('refuses %s', (_case, url) => {
    expect(isAllowedExternalUrl(url)).toBe(false);
  });
});

describe('navigation decisions', () => {
  it('lets the main frame move within app://gatehouse and nowhere else', () => {
    expect(navigationDecision('app://gatehouse/index.html', true)).toBe('allow');
    expect(navigationDecision('app://elsewhere/index.html', true)).toBe('deny');
    expect(navigationDecision('https://evil.example/', true)).toBe('deny');
    expect(navigationDecision('file:///tmp/index.html', true)).toBe('deny');
  });

  it('never lets a subframe navigate, even to our own pages', () => {
    expect(navigationDecision('app://gatehouse/index.html', false)).toBe('deny');
    expect(navigationDecision('https://evil.example/', false)).toBe('deny');
  });

  it('sends an allowlisted page to the browser instead of the window', () => {
    expect(navigationDecision('https://www.congress.gov/', true)).toBe('open-external');
    expect(navigationDecision('https://www.congress.gov/', false)).toBe('open-external');
  });
});

/** A WebContents stand-in: the events lockDown listens to, and the window-open handler it sets. */
function fakeContents() {
  const emitter = new EventEmitter();
  let openHandler: ((details: { url: string }) => { action: string }) | null = null;
  const contents = Object.assign(emitter, { setWindowOpenHandler: (handler: typeof openHandler) => (openHandler = handler) });
  const navigate = (event: string, url: string, isMainFrame = true) => {
    const details = { url, isMainFrame, preventDefault: vi.fn() };
    emitter.emit(event, details);
    return details.preventDefault.mock.calls.length > 0;
  };
  return { contents, navigate, open: (url: string) => openHandler!({ url }) };
}

describe('the locked-down window', () => {
  it('stops a subframe navigating away (will-frame-navigate) and lets the main frame reload our page', () => {
    const { contents, navigate } = fakeContents();
    lockDown(contents as never);
    expect(navigate('will-frame-navigate', 'https://evil.example/', false)).toBe(true);
    expect(navigate('will-frame-navigate', 'app://gatehouse/index.html', false)).toBe(true);
    expect(navigate('will-frame-navigate', 'app://gatehouse/index.html', true)).toBe(false);
    expect(navigate('will-navigate', 'https://evil.example/')).toBe(true);
    expect(navigate('will-redirect', 'https://evil.example/')).toBe(true);
    expect(electron.openExternal).not.toHaveBeenCalled();
  });

  it('opens only allowlisted links in the browser, and never a new window', () => {
    const { contents, navigate, open } = fakeContents();
    lockDown(contents as never);
    expect(open('https://evil.example/')).toEqual({ action: 'deny' });
    expect(open('https://www.congress.gov/committees')).toEqual({ action: 'deny' });
    expect(navigate('will-frame-navigate', 'https://api.data.gov/signup/')).toBe(true);
    expect(electron.openExternal.mock.calls.map(([url]) => url)).toEqual(['https://www.congress.gov/committees', 'https://api.data.gov/signup/']);
  });
});

describe('secrets on a desktop without a keyring', () => {
  it('names the reason to refuse: no encryption, the basic_text fallback, or a keyring not known yet', () => {
    expect(secretStorageProblem('linux', true, 'gnome_libsecret')).toBeNull();
    expect(secretStorageProblem('linux', true, 'kwallet5')).toBeNull();
    expect(secretStorageProblem('linux', true, 'basic_text')).toMatch(/basic_text/);
    expect(secretStorageProblem('linux', true, 'unknown')).toMatch(/not known yet/);
    expect(secretStorageProblem('linux', false, 'gnome_libsecret')).toMatch(/no secure storage/);
    expect(secretStorageProblem('darwin', true, null)).toBeNull();
    expect(secretStorageProblem('win32', false, null)).toMatch(/no secure storage/);
  });

  it('refuses to store the Congress.gov key under basic_text, saying why, and writes nothing', () => {
    electron.backend = 'basic_text';
    const preferences = desktopPreferences(userData);
    expect(() => preferences.saveCongressApiKey('DEMO-KEY-123')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED', message: expect.stringMatching(/basic_text/), hint: expect.stringMatching(/GATEHOUSE_CONGRESS_API_KEY/) }));
    expect(() => preferences.saveWebhookUrl('https://hooks.slack.com/services/T0/B0/secret')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
    expect(fs.readdirSync(userData)).toEqual([]);
  });

  it('refuses to store a database password under basic_text, and still saves a URL without one', () => {
    electron.backend = 'basic_text';
    const secrets = new DatabaseSecrets(path.join(userData, 'database.json'));
    expect(() => secrets.save('postgres://ops:hunter2@db.internal/gatehouse')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED', message: expect.stringMatching(/database password.*basic_text/) }));
    expect(fs.existsSync(path.join(userData, 'database.json'))).toBe(false);
    secrets.save('postgres://ops@db.internal/gatehouse');
    expect(secrets.load()).toBe('postgres://ops@db.internal/gatehouse');
  });

  it('stores secrets through the keyring when there is one, and never in clear', () => {
    const preferences = desktopPreferences(userData);
    preferences.saveCongressApiKey('DEMO-KEY-123');
    expect(preferences.congressApiKey()).toBe('DEMO-KEY-123');
    expect(fs.readFileSync(path.join(userData, 'preferences.json'), 'utf8')).not.toContain('DEMO-KEY-123');
  });
});

describe('packaging', () => {
  it('flips the Electron fuses: no RunAsNode, NODE_OPTIONS or inspect flags; cookie encryption, asar integrity, asar only', () => {
    const config = yaml.load(fs.readFileSync('electron-builder.yml', 'utf8')) as { electronFuses?: Record<string, boolean> };
    expect(config.electronFuses).toEqual(REQUIRED_FUSES);
    const off = Object.keys(REQUIRED_FUSES).filter((fuse) => !REQUIRED_FUSES[fuse as keyof typeof REQUIRED_FUSES]);
    expect(off.sort()).toEqual(['enableNodeCliInspectArguments', 'enableNodeOptionsEnvironmentVariable', 'runAsNode']);
    expect(Object.keys(REQUIRED_FUSES)).toHaveLength(6);
  });
});
