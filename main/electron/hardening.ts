import { safeStorage, shell, type WebContents } from 'electron';
import { GatehouseError } from '../../shared/errors.js';
import { APP_HOST, APP_SCHEME } from './ipc.js';

/**
 * The shell's security decisions as plain functions (unit-tested without the Electron binary),
 * and the one place that applies them to Electron objects.
 */

/** The only hosts whose pages the app opens, and then in the user's browser: Congress.gov and its API key signup. */
export const EXTERNAL_HOSTS: readonly string[] = ['congress.gov', 'www.congress.gov', 'api.congress.gov', 'api.data.gov'];

/**
 * The Electron fuses electron-builder.yml flips at packaging (`electronFuses`); a test holds the
 * yml to this list. RunAsNode off is safe here: the engine runs in worker threads, never a fork.
 */
export const REQUIRED_FUSES = {
  runAsNode: false,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableCookieEncryption: true,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
} as const;

/** https on the default port, no credentials in the URL, and a host on the allowlist exactly. */
export function isAllowedExternalUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === 'https:' && parsed.port === '' && parsed.username === '' && parsed.password === '' && EXTERNAL_HOSTS.includes(parsed.hostname);
}

export type NavigationDecision = 'allow' | 'deny' | 'open-external';

/**
 * What happens when a frame tries to navigate: the main frame may move within app://gatehouse/
 * (a reload); any frame that tries to leave is stopped, and an allowlisted page opens in the
 * browser instead. Subframes never navigate: the console has none.
 */
export function navigationDecision(url: string, isMainFrame: boolean): NavigationDecision {
  if (isMainFrame && isOwnPage(url)) return 'allow';
  return isAllowedExternalUrl(url) ? 'open-external' : 'deny';
}

function isOwnPage(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * Why secrets must not be stored here, or null when the OS keeps them. On Linux without a keyring
 * (no GNOME Keyring, KWallet) safeStorage falls back to `basic_text`: "encryption" with a key
 * hard-coded in Chromium, which protects nothing.
 */
export function secretStorageProblem(platform: NodeJS.Platform, encryptionAvailable: boolean, linuxBackend: string | null): string | null {
  if (!encryptionAvailable) return 'this system offers no secure storage for secrets';
  if (platform !== 'linux') return null;
  if (linuxBackend === 'basic_text') {
    return 'no keyring was found (safeStorage fell back to basic_text, which hides secrets only behind a key every copy of Chromium knows), so secrets are not stored';
  }
  if (linuxBackend === 'unknown' || linuxBackend === null) return 'the keyring is not known yet, so secrets are not stored';
  return null;
}

/** Throws UNSUPPORTED, saying why and what to do instead, unless the OS keychain can keep `what`. */
export function requireSecureStorage(what: string, instead: string): void {
  const backend = process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : null;
  const problem = secretStorageProblem(process.platform, safeStorage.isEncryptionAvailable(), backend);
  if (problem !== null) throw new GatehouseError('UNSUPPORTED', `cannot store the ${what}: ${problem}`, { hint: `${instead}; or unlock GNOME Keyring / KWallet and restart Gatehouse` });
}

/** No navigation away, no new windows, no webviews; allowlisted pages open in the user's browser. */
export function lockDown(contents: WebContents): void {
  contents.on('will-frame-navigate', (event) => {
    const decision = navigationDecision(event.url, event.isMainFrame);
    if (decision === 'allow') return;
    event.preventDefault();
    if (decision === 'open-external') void shell.openExternal(event.url);
  });
  // will-frame-navigate already decided the main frame's case; this keeps the refusal if it did not fire.
  contents.on('will-navigate', (event) => {
    if (navigationDecision(event.url, true) !== 'allow') event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}
