import fs from 'node:fs';
import path from 'node:path';
import { safeStorage } from 'electron';
import { applyCongressApiKey, checkWebhookUrl, type ConsolePreferences } from '../api/index.js';
import { requireSecureStorage } from './hardening.js';
import { DatabaseSecrets } from './secrets.js';

interface StoredPreferences {
  /** Encrypted with safeStorage, base64: a webhook URL carries its own token. */
  webhook: string | null;
  congressApiKey: string | null;
}

/**
 * The desktop app's preferences in the user-data folder: the webhook URL and the Congress.gov key
 * encrypted by safeStorage (the OS keychain), the database location through DatabaseSecrets.
 */
export function desktopPreferences(userData: string): ConsolePreferences {
  const file = path.join(userData, 'preferences.json');
  const database = new DatabaseSecrets(path.join(userData, 'database.json'));
  let stored = read(file);
  applyCongressApiKey(decrypt(stored.congressApiKey));

  function save(next: StoredPreferences): void {
    fs.mkdirSync(userData, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(next), { mode: 0o600 });
    stored = next;
  }

  return {
    secretStorage: 'keychain',
    canSaveDatabase: true,
    webhookUrl: () => decrypt(stored.webhook),
    saveWebhookUrl: (url) => save({ ...stored, webhook: encrypt(checkWebhookUrl(url)) }),
    congressApiKey: () => decrypt(stored.congressApiKey),
    saveCongressApiKey(key) {
      save({ ...stored, congressApiKey: encrypt(key) });
      applyCongressApiKey(key);
    },
    savedDatabase: () => database.load(),
    saveDatabase: (location) => (location === null ? database.clear() : void database.save(location)),
  };
}

function read(file: string): StoredPreferences {
  if (!fs.existsSync(file)) return { webhook: null, congressApiKey: null };
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<StoredPreferences>;
  return { webhook: parsed.webhook ?? null, congressApiKey: parsed.congressApiKey ?? null };
}

function encrypt(secret: string | null): string | null {
  if (secret === null) return null;
  requireSecureStorage('secret', 'set GATEHOUSE_CONGRESS_API_KEY / GATEHOUSE_WEBHOOK_URL in the environment instead');
  return safeStorage.encryptString(secret).toString('base64');
}

function decrypt(sealed: string | null): string | null {
  return sealed === null ? null : safeStorage.decryptString(Buffer.from(sealed, 'base64'));
}
