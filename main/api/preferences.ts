import { GatehouseError } from '../../shared/errors.js';
import type { Preferences } from '../../shared/api-operations.js';
import { parseWebhookUrl } from '../scheduler/index.js';
import { CONGRESS_API_KEY_VARIABLE } from '../sources/index.js';
import { redactConnectionString } from '../../shared/redact.js';

/**
 * What the console remembers between calls: the webhook, the Congress.gov key and (desktop only)
 * a PostgreSQL location for the next start. The Electron shell keeps them with safeStorage;
 * `gatehouse serve` keeps them in memory, seeded from its environment.
 */
export interface ConsolePreferences {
  readonly secretStorage: 'keychain' | 'memory';
  readonly canSaveDatabase: boolean;
  webhookUrl(): string | null;
  saveWebhookUrl(url: string | null): void;
  congressApiKey(): string | null;
  saveCongressApiKey(key: string | null): void;
  /** The saved location with its password removed, or null for the embedded file. */
  savedDatabase(): string | null;
  saveDatabase(location: string | null): void;
}

/** Sources read the key from the environment (the worker thread shares it), so a saved key applies to the next run. */
export function applyCongressApiKey(key: string | null): void {
  if (key === null) delete process.env[CONGRESS_API_KEY_VARIABLE];
  else process.env[CONGRESS_API_KEY_VARIABLE] = key;
}

export function checkWebhookUrl(url: string | null): string | null {
  return url === null ? null : parseWebhookUrl(url).toString();
}

/** `gatehouse serve`: preferences for this process only; the database is chosen with --db. */
export function memoryPreferences(env: NodeJS.ProcessEnv = process.env): ConsolePreferences {
  let webhook = env.GATEHOUSE_WEBHOOK_URL || null;
  let congressKey = env[CONGRESS_API_KEY_VARIABLE] || null;
  return {
    secretStorage: 'memory',
    canSaveDatabase: false,
    webhookUrl: () => webhook,
    saveWebhookUrl(url) {
      webhook = checkWebhookUrl(url);
    },
    congressApiKey: () => congressKey,
    saveCongressApiKey(key) {
      congressKey = key;
      applyCongressApiKey(key);
    },
    savedDatabase: () => null,
    saveDatabase() {
      throw new GatehouseError('UNSUPPORTED', 'the browser console serves the database it was started with', { hint: 'restart `gatehouse serve --db …` with the other location' });
    },
  };
}

/** What the renderer may see: whether secrets are set, never the secrets. */
export function preferencesView(preferences: ConsolePreferences): Preferences {
  const webhook = preferences.webhookUrl();
  const saved = preferences.savedDatabase();
  return {
    webhookHost: webhook === null ? null : new URL(webhook).host,
    congressApiKeySet: preferences.congressApiKey() !== null,
    secretStorage: preferences.secretStorage,
    savedDatabase: saved === null ? null : redactConnectionString(saved),
    canSaveDatabase: preferences.canSaveDatabase,
  };
}
